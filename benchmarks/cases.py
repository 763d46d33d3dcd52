"""What is measured on each corpus (the commands) and what it is held to (the targets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpora import Corpus
from workenv import BENCH_DIR, BenchEnv

PARSE_FLOOR = BENCH_DIR / "parse_floor.py"
OK = frozenset({0})
# bandit exits 1 when it reports issues, which it always does on django
BANDIT_OK = frozenset({0, 1})


@dataclass
class Case:
    """One command on one corpus, run once per round."""

    corpus: Corpus
    kind: str
    """Short id of the command, e.g. ``apilint-cold``; ``corpus:kind`` is the case key."""
    label: str
    argv: list[str]
    tool: str
    ok_codes: frozenset[int] = OK
    warmup: bool = False
    """Run once, unmeasured, before the first round (fast commands; fills apilint's cache)."""
    prime: bool = False
    """Run once, unmeasured, right before every measured run: "nothing changed since the last
    identical run", even when another case of the round edited the corpus."""
    before_each: Callable[[int], None] | None = None
    """Called with the round number before every run (warm-up included)."""
    output: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment variables for this command."""

    @property
    def key(self) -> str:
        """The case's unique key, ``corpus:kind``."""
        return f"{self.corpus.name}:{self.kind}"


class FileEditor:
    """Rewrites one file with new content before each run; restores it at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_bytes()

    def __call__(self, round_no: int) -> None:
        """Append a comment unique to this round, so the content hash changes every time."""
        self.path.write_bytes(self.original + f"\n# apilint benchmark edit {round_no}\n".encode())

    def restore(self) -> None:
        """Put the original bytes back."""
        self.path.write_bytes(self.original)


@dataclass
class CaseBuilder:
    """Builds the command lines for one corpus in the benchmark venv."""

    env: BenchEnv
    work: Path
    floor_jobs: int
    editors: list[FileEditor] = field(default_factory=list)

    def apilint(self, corpus: Corpus, kind: str, label: str, extra: list[str]) -> Case:
        """An ``apilint check`` of the whole corpus with JSON output to a file."""
        output = self.work / "out" / f"{corpus.name}-{kind}.json"
        argv = [self.env.tool("apilint"), "check", ".", *extra]
        argv += ["--format", "json", "--output", str(output), "--exit-zero"]
        return Case(corpus, kind, label, argv, "apilint", output=output)

    def cold(self, corpus: Corpus, jobs: int | None) -> Case:
        """apilint with ``--no-cache`` at ``jobs`` (None: apilint's default)."""
        cache = str(self.work / "cache" / corpus.name / "cold")
        extra = ["--no-cache", "--cache-dir", cache]
        if jobs is None:
            return self.apilint(corpus, "apilint-cold", "apilint cold, default jobs", extra)
        extra += ["--jobs", str(jobs)]
        return self.apilint(corpus, f"apilint-cold-j{jobs}", f"apilint cold, --jobs {jobs}", extra)

    def warm(self, corpus: Corpus) -> Case:
        """apilint with a filled cache and nothing changed (the warm-up run fills it)."""
        extra = ["--cache-dir", str(self.warm_cache(corpus))]
        case = self.apilint(corpus, "apilint-warm", "apilint warm, nothing changed", extra)
        case.warmup = True
        case.prime = True  # the one-file-changed case of the previous round edited the corpus
        return case

    def warm_no_replay(self, corpus: Corpus) -> Case:
        """Warm, with replay records off: the summary and whole-result caches only."""
        extra = ["--cache-dir", str(self.warm_cache(corpus))]
        case = self.apilint(corpus, "apilint-warm-noreplay", "apilint warm, replay off (APILINT_NO_REPLAY=1)",
                            extra)
        case.env = {"APILINT_NO_REPLAY": "1"}
        case.prime = True
        return case

    def changed(self, corpus: Corpus) -> Case:
        """apilint with the warm cache after one file's content changed."""
        editor = FileEditor(corpus.edit_file)
        self.editors.append(editor)
        extra = ["--cache-dir", str(self.warm_cache(corpus))]
        case = self.apilint(corpus, "apilint-changed", "apilint warm, one file changed", extra)
        case.before_each = editor
        return case

    def warm_cache(self, corpus: Corpus) -> Path:
        """The cache directory shared by the warm and one-file-changed runs."""
        return self.work / "cache" / corpus.name / "warm"

    def floor(self, corpus: Corpus, jobs: int) -> Case:
        """The libcst parse-only floor with ``jobs`` processes."""
        argv = [str(self.env.python), str(PARSE_FLOOR), ".", str(jobs)]
        label = f"floor: libcst.parse_module, {'1 process' if jobs == 1 else f'Pool({jobs})'}"
        return Case(corpus, f"floor-{jobs}", label, argv, "floor")

    def bandit(self, corpus: Corpus) -> Case:
        """bandit with all plugins (it has no parallel option)."""
        argv = [self.env.tool("bandit"), "-r", "-q", "-o", "/dev/null", "."]
        return Case(corpus, "bandit", "bandit -r", argv, "bandit", ok_codes=BANDIT_OK)

    def ruff(self, corpus: Corpus) -> Case:
        """ruff's flake8-bandit port, no cache."""
        argv = [self.env.tool("ruff"), "check", "--isolated", "--select", "S", "--no-cache"]
        argv += ["--exit-zero", "-q", "--output-file", "/dev/null", "."]
        return Case(corpus, "ruff", "ruff check --select S --no-cache", argv, "ruff", warmup=True)

    def django_cases(self, corpus: Corpus) -> list[Case]:
        """Every command on the real-code corpus; pairs that form a ratio run back to back."""
        return [
            self.cold(corpus, None),
            self.floor(corpus, self.floor_jobs),
            self.bandit(corpus),
            self.cold(corpus, 1),
            self.floor(corpus, 1),
            self.ruff(corpus),
            self.warm(corpus),
            self.warm_no_replay(corpus),
            self.changed(corpus),
        ]

    def generated_cases(self, corpus: Corpus) -> list[Case]:
        """The scaling commands on a generated project."""
        return [self.cold(corpus, None), self.floor(corpus, self.floor_jobs), self.warm(corpus)]


@dataclass(frozen=True)
class Target:
    """A bound on a paired wall-time ratio (numerator ÷ denominator) or on peak RSS.

    Without a denominator, ``numerator`` is a case-key prefix and the bound applies to the
    highest peak RSS of any run of a matching case.
    """

    name: str
    numerator: str
    denominator: str | None
    bound: float | None
    """None for a reference ratio, shown for context and not judged."""
    unit: str = "x"


def targets(django: Corpus | None, generated: dict[int, Corpus], floor_jobs: int) -> list[Target]:
    """The issue's targets, for the corpora that are part of this run.

    ``generated`` maps a module count to its generated project; the scaling bound is 1.1 x the
    growth in modules (4.4 for 1000 -> 4000).
    """
    found: list[Target] = []
    if django is not None:
        d = django.name
        found += [
            Target("cold (default jobs) ≤ 0.5 x bandit", f"{d}:apilint-cold", f"{d}:bandit", 0.5),
            Target(
                f"cold (default jobs) ≤ 1.25 x parse floor Pool({floor_jobs})",
                f"{d}:apilint-cold",
                f"{d}:floor-{floor_jobs}",
                1.25,
            ),
            Target(
                "cold --jobs 1 ≤ 1.25 x parse floor 1 process",
                f"{d}:apilint-cold-j1",
                f"{d}:floor-1",
                1.25,
            ),
            Target("warm ≤ 1.5 x ruff --no-cache", f"{d}:apilint-warm", f"{d}:ruff", 1.5),
            Target("one file changed ≤ 2 x warm", f"{d}:apilint-changed", f"{d}:apilint-warm", 2),
            Target("reference: one file changed / warm with replay off", f"{d}:apilint-changed",
                   f"{d}:apilint-warm-noreplay", None),
            Target("peak RSS (any apilint run) ≤ 300 MiB", f"{d}:apilint", None, 300, "MiB"),
            Target(
                f"reference: parse floor Pool({floor_jobs}) / bandit",
                f"{d}:floor-{floor_jobs}",
                f"{d}:bandit",
                None,
            ),
            Target(
                f"reference: parse floor Pool({floor_jobs}) / 1 process",
                f"{d}:floor-{floor_jobs}",
                f"{d}:floor-1",
                None,
            ),
        ]
    if len(generated) >= 2:
        small, large = min(generated), max(generated)
        bound = round(1.1 * large / small, 3)
        found.append(
            Target(
                f"cold, {large} vs {small} modules ≤ {bound:g}",
                f"{generated[large].name}:apilint-cold",
                f"{generated[small].name}:apilint-cold",
                bound,
            )
        )
        found.append(
            Target(
                f"reference: parse floor Pool({floor_jobs}), {large} vs {small} modules",
                f"{generated[large].name}:floor-{floor_jobs}",
                f"{generated[small].name}:floor-{floor_jobs}",
                None,
            )
        )
    return found
