"""The corpora: django's installed package tree (real code) and generated FastAPI projects."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import genproject

# The file edited for the "one file changed" run; present in the full and the quick corpus.
DJANGO_EDIT_FILE = "django/utils/html.py"
GENERATED_EDIT_FILE = "app/api/routes/r0000.py"
QUICK_DJANGO_PARTS = ("core", "utils")


@dataclass(frozen=True)
class Corpus:
    """A directory tree of Python files that every tool is run on."""

    name: str
    root: Path
    files: int
    lines: int
    edit_file: Path
    """The file rewritten before each "one file changed" run."""

    def as_dict(self) -> dict[str, object]:
        """Return the corpus description as a JSON-ready dict."""
        return {"root": str(self.root), "files": self.files, "lines": self.lines}


def python_files(root: Path) -> Iterator[Path]:
    """Yield every .py file under ``root`` in a deterministic order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath, name)


def _describe(name: str, root: Path, edit_file: str) -> Corpus:
    """Count files and lines (newlines, as ``wc -l``) of the tree at ``root``."""
    files = lines = 0
    for path in python_files(root):
        files += 1
        lines += path.read_bytes().count(b"\n")
    return Corpus(name, root, files, lines, root / edit_file)


def build_django(site_packages: Path, dest: Path, parts: Sequence[str] = ()) -> Corpus:
    """Copy the installed django package (or only ``parts`` of it) to ``dest/django``.

    A copy, so that anything a tool writes into the tree never touches the venv; made afresh
    on every call so that every run starts from the same bytes.
    """
    source = site_packages / "django"
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns("__pycache__")
    if parts:
        (dest / "django").mkdir(parents=True)
        shutil.copy2(source / "__init__.py", dest / "django" / "__init__.py")
        for part in parts:
            shutil.copytree(source / part, dest / "django" / part, ignore=ignore)
    else:
        shutil.copytree(source, dest / "django", ignore=ignore)
    return _describe(dest.name, dest, DJANGO_EDIT_FILE)


def build_generated(dest: Path, modules: int) -> Corpus:
    """Generate the FastAPI project with ``modules`` router modules at ``dest``."""
    genproject.generate(dest, modules)
    return _describe(dest.name, dest, GENERATED_EDIT_FILE)
