"""The codemods, one module per family of edits, and `KINDS`: plan kind -> codemod.

A codemod is `build(plan, ctx) -> Edit`: it finds what the plan names in the parsed file,
checks it is what the rule saw (else `FixError`: no fix, a diagnostic), and describes the
change. It never writes text itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from apilint.fixes.document import Document, FixError
from apilint.fixes.edits import Edit
from apilint.fixes.imports import Imports
from apilint.lazy_regex import lazy_compile
from apilint.model import FixPlan

_TOKEN = lazy_compile(r"@\{([A-Za-z_][\w.]*)\}")


@dataclass
class FixContext:
    """What a codemod sees: the document it edits, its imports, and read-only sibling files."""

    doc: Document
    package: str
    """The package relative imports in this file resolve against."""
    load: Callable[[str], Document]
    """Parse another file of the project (read-only), by project-relative path."""
    imports: Imports = field(init=False)

    def __post_init__(self) -> None:
        self.imports = Imports(self.doc, self.package)

    def edit(self) -> Edit:
        """A new, empty edit of this document."""
        return Edit(self.doc)

    def render(self, template: str, edit: Edit, value: str | None = None) -> str:
        """Fill a plan's code template: `@{qualified.name}` becomes a reference in this file's
        import style (adding the import to `edit`), `@{value}` the code being replaced."""
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "value":
                if value is None:
                    raise FixError("template uses @{value} where there is no value")
                return value
            text, request = self.imports.reference(name)
            if request is not None and request not in edit.imports:
                edit.imports.append(request)
            return text

        return _TOKEN.sub(substitute, template)


Codemod = Callable[[FixPlan, FixContext], Edit]


def codemods() -> dict[str, Codemod]:
    """Every fix kind and its codemod."""
    from apilint.fixes.kinds import calls, errors, functions, statements

    return {**calls.KINDS, **statements.KINDS, **functions.KINDS, **errors.KINDS}


__all__ = ["Codemod", "FixContext", "codemods"]
