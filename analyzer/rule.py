"""The rule contract: one class per rule, with its metadata, docs, examples and check.

Every rule is a project rule: it reads the route map, the app-level facts and the module
summaries (which hold each file's compact syntax tree) after the link step, so one rule
serves every framework and can also inspect plain syntax patterns.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

from apilint.lazy_regex import lazy_compile
from apilint.model import (
    Applicability,
    Confidence,
    Finding,
    FixPlan,
    Location,
    ProjectFacts,
    Route,
    RouteMap,
    Severity,
)

if TYPE_CHECKING:
    from apilint.config import Config
    from apilint.project import ProjectIndex
    from apilint.summary import FunctionDef, ModuleSummary
    from apilint.textfiles import TextFile

__all__ = [
    "Applicability",
    "Confidence",
    "Example",
    "Finding",
    "FixAvailability",
    "FixPlan",
    "Location",
    "Rule",
    "RuleContext",
    "Severity",
]

CODE_RE = lazy_compile(r"^[A-Z]{3,6}\d{3}$")
T = TypeVar("T")
NAME_RE = lazy_compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_SECTIONS = ("## What it finds", "## Why it matters", "## Options", "## Known limitations", "## References")
FAMILIES = ("AUTH", "AUTHZ", "EXPO", "MASS", "CORS", "ERR", "LIMIT", "INPUT", "TLS", "JWT", "SECRET",
            "LOG", "IDEM", "VER", "GQL", "INJ", "PARSE")
OWASP_2023 = frozenset(f"API{i}:2023" for i in range(1, 11))


class FixAvailability(enum.Enum):
    """Whether a rule's findings come with an automatic fix (ruff's `FixAvailability`)."""

    NONE = "none"
    SOMETIMES = "sometimes"
    """Only when the facts are there (a fix never guesses): see the rule's `fix_note`."""
    ALWAYS = "always"


@dataclass(frozen=True)
class Example:
    """A runnable example app: `bad` ones carry `# expect:` markers, `good` ones none.

    `source` is one file (`app.py`); `files` adds more files by relative path, and
    `config` is the `[tool.apilint]` table as TOML text.
    """

    source: str
    files: tuple[tuple[str, str], ...] = ()
    config: str = ""
    main: str = "app.py"

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", textwrap.dedent(self.source).strip("\n") + "\n")
        object.__setattr__(
            self, "files", tuple((p, textwrap.dedent(s).strip("\n") + "\n") for p, s in self.files)
        )

    def all_files(self) -> tuple[tuple[str, str], ...]:
        """Every (relative path, source) pair of the example."""
        return ((self.main, self.source), *self.files)


@dataclass
class RuleContext:
    """What a rule sees: the route map, app-level facts, all summaries, credential text files and the config."""

    routes: RouteMap
    facts: ProjectFacts
    index: ProjectIndex
    config: Config
    texts: tuple[TextFile, ...] = ()
    """Non-Python files that may hold credentials (`.env`, `*.ini`, ...), read as text."""
    _handler_cache: dict[str, FunctionDef | None] = field(default_factory=dict)

    def per_module(self, name: str, mod: ModuleSummary, inputs: str, compute: Callable[[], T]) -> T:
        """`ProjectIndex.per_module`: a rule's work on one module, reused from the last run when
        nothing it reads changed."""
        return self.index.per_module(name, mod, inputs, compute)

    def handler(self, route: Route) -> FunctionDef | None:
        """The handler's function definition, when it is in the project."""
        ref = route.handler_ref
        if ref is None:
            return None
        key = f"{ref.file}::{ref.qualname}"
        if key not in self._handler_cache:
            self._handler_cache[key] = self._find_function(ref.file, ref.qualname)
        return self._handler_cache[key]

    def route_of_handlers(self) -> dict[tuple[str, str], Route]:
        """(file, qualname) of each project handler -> one route it serves, a state-changing one
        when there is any (for rules that read functions and name the route they serve)."""
        routes: dict[tuple[str, str], Route] = {}
        for candidate in self.routes:
            if candidate.handler_ref is not None:
                key = (candidate.handler_ref.file, candidate.handler_ref.qualname)
                if key not in routes or (candidate.is_unsafe and not routes[key].is_unsafe):
                    routes[key] = candidate
        return routes

    def module_of(self, route: Route) -> ModuleSummary | None:
        """The summary of the file that defines the route's handler."""
        ref = route.handler_ref
        return self.index.by_path.get(ref.file) if ref is not None else None

    def _find_function(self, file: str, qualname: str) -> FunctionDef | None:
        mod = self.index.by_path.get(file)
        if mod is None:
            return None
        for fn in mod.functions():
            if fn.qualname == qualname:
                return fn
        return None


class Rule:
    """Base class of every rule. Subclasses set the class variables and implement `check`."""

    code: ClassVar[str]
    """`FAMILY` + three digits, e.g. `AUTH001`; matches the folder and file name."""
    name: ClassVar[str]
    """Kebab-case name of the bad pattern, e.g. `missing-authentication`."""
    summary: ClassVar[str]
    """One line, sentence case, no final period."""
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence]
    frameworks: ClassVar[frozenset[str]] = frozenset()
    """Adapters whose routes or facts the rule understands; empty means framework-independent."""
    cwe: ClassVar[tuple[int, ...]] = ()
    owasp: ClassVar[tuple[str, ...]] = ()
    enabled_by_default: ClassVar[bool] = True
    bad: ClassVar[Example]
    good: ClassVar[Example]
    options: ClassVar[tuple[str, ...]] = ()
    """Configuration keys the rule reads (dotted, e.g. `auth.public-paths`)."""
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    """Whether findings carry a `FixPlan` (`apilint check --fix`)."""
    fix_applicability: ClassVar[frozenset[Applicability]] = frozenset()
    """Which kinds of fix the rule offers: safe ones, unsafe ones, or both."""
    fix_note: ClassVar[str] = ""
    """What the fix writes and when it is offered, for the rule's page."""
    shares: ClassVar[str] = ""
    """The name of the run-wide tables this rule builds and shares with the rules that name the
    same (the INJ flow rules: `flow`); when rules run in parallel, such rules run in one process."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith("_") or cls.__dict__.get("abstract", False):
            return
        problems = []
        if not CODE_RE.match(getattr(cls, "code", "")):
            problems.append("code must be FAMILY + three digits")
        elif not any(cls.code[: -3] == fam for fam in FAMILIES):
            problems.append(f"unknown family in {cls.code}")
        if not NAME_RE.match(getattr(cls, "name", "")):
            problems.append("name must be kebab case")
        summary = getattr(cls, "summary", "")
        if not summary or "\n" in summary or summary.endswith("."):
            problems.append("summary must be one line without a final period")
        if not isinstance(getattr(cls, "severity", None), Severity):
            problems.append("severity must be a Severity")
        if not isinstance(getattr(cls, "confidence", None), Confidence):
            problems.append("confidence must be a Confidence")
        doc = cls.__doc__ or ""
        positions = [doc.find(section) for section in DOC_SECTIONS]
        if any(p < 0 for p in positions) or positions != sorted(positions):
            problems.append(f"docstring needs the sections {', '.join(DOC_SECTIONS)} in order")
        for attr in ("bad", "good"):
            if not isinstance(getattr(cls, attr, None), Example):
                problems.append(f"{attr} must be an Example")
        fixable = cls.fix_availability is not FixAvailability.NONE
        if fixable != bool(cls.fix_applicability) or fixable != bool(cls.fix_note):
            problems.append("a fix needs fix_availability, fix_applicability and fix_note together")
        if problems:
            raise TypeError(f"rule {cls.__name__}: " + "; ".join(problems))

    @property
    def family(self) -> str:
        """The code's family prefix (`AUTH` for `AUTH001`)."""
        return self.code[:-3]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Yield the rule's findings for the whole project."""
        raise NotImplementedError

    def finding(
        self,
        where: Route | Location,
        message: str,
        fix: str,
        *,
        confidence: Confidence | None = None,
        severity: Severity | None = None,
        symbol: str = "",
        route: Route | None = None,
        fix_plan: FixPlan | None = None,
        quiet: bool = False,
    ) -> Finding:
        """Build a finding; confidence may be lowered from the rule's default, never raised.

        A `fix_plan` whose applicability the rule does not declare is dropped.
        """
        if isinstance(where, Route):
            route = where
            location = where.location
            symbol = symbol or where.handler
        else:
            location = where
        conf = self.confidence
        if confidence is not None and confidence.rank < conf.rank:
            conf = confidence
        return Finding(
            code=self.code,
            message=message,
            severity=severity or self.severity,
            confidence=conf,
            location=location,
            fix=fix,
            route=route.display if route is not None else None,
            symbol=symbol,
            fix_plan=fix_plan if fix_plan is not None and fix_plan.applicability in self.fix_applicability else None,
            quiet=quiet,
        )


def fix_label(rule: type[Rule]) -> str:
    """`safe`, `unsafe`, `safe or unsafe`, or '' for a rule without a fix."""
    kinds = [a.value for a in (Applicability.SAFE, Applicability.UNSAFE) if a in rule.fix_applicability]
    return " or ".join(kinds)
