"""References to names in a file's own import style, and the imports a fix adds (once).

`Imports.reference("app.schemas.UserOut")` answers how this file can name that object: an
alias it already imports (`UserOut`), an attribute of a module it imports (`schemas.UserOut`),
a definition of its own, or a new `from app.schemas import UserOut`. New names join an
existing `from module import ...` of the same module (in its sorted place when it is sorted,
keeping its one-line or parenthesized layout); other imports go after the last import of the
file's leading import block, relative when the file imports its own package relatively.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import libcst as cst
from apilint.fixes.document import Document, FixError, dotted, parse_statements


@dataclass(frozen=True, order=True)
class ImportRequest:
    """`from module import name` (or `import module` when name is empty)."""

    module: str
    name: str = ""


@dataclass(frozen=True)
class _Bound:
    """One top-level import binding: local name -> qualified name, and the statement."""

    local: str
    qualified: str
    statement: cst.SimpleStatementLine
    node: cst.Import | cst.ImportFrom


def resolve_relative(package: str, level: int, module: str) -> str:
    """The absolute module of `from <level dots><module> import ...` inside `package`."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join([*base, *([module] if module else [])])


class Imports:
    """The top-level imports of a document, and references built from them."""

    def __init__(self, doc: Document, package: str) -> None:
        self.doc = doc
        self.package = package
        self.bound: list[_Bound] = []
        self.relative_style = False
        self.defined = doc.module_names()
        for statement in doc.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom):
                    self._from(statement, small)
                elif isinstance(small, cst.Import):
                    for alias in small.names:
                        full = dotted(alias.name) or ""
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            self.bound.append(_Bound(alias.asname.name.value, full, statement, small))
                        else:
                            self.bound.append(_Bound(full.split(".")[0], full.split(".")[0], statement, small))
                            if "." in full:  # `import a.b` also makes `a.b` reachable
                                self.bound.append(_Bound(full, full, statement, small))

    def _from(self, statement: cst.SimpleStatementLine, node: cst.ImportFrom) -> None:
        level = len(node.relative)
        self.relative_style = self.relative_style or level > 0
        written = dotted(node.module) if node.module is not None else ""
        module = resolve_relative(self.package, level, written or "")
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            self.bound.append(_Bound(local, f"{module}.{name}" if module else name, statement, node))

    def local_for(self, qualified: str) -> str | None:
        """The local name bound to exactly `qualified`, if the file imports it."""
        for bound in self.bound:
            if bound.qualified == qualified:
                return bound.local
        return None

    def reference(self, qualified: str) -> tuple[str, ImportRequest | None]:
        """Code naming `qualified` here, and the import it needs (None when nothing is missing)."""
        module, _, name = qualified.rpartition(".")
        local = self.local_for(qualified)
        if local is not None:
            return local, None
        if module and module == self.doc.source.module_name and name in self.defined:
            return name, None
        for bound in self.bound:  # `from app import schemas` / `import app.schemas as s`
            if module and bound.qualified == module:
                return f"{bound.local}.{name}", None
        if not module:
            return self.module_reference(qualified)
        if name in self.defined:
            raise FixError(f"{self.doc.source.path}: `{name}` already names something else here")
        return name, ImportRequest(module, name)

    def module_reference(self, module: str) -> tuple[str, ImportRequest | None]:
        """Code naming a module (`os`), with `import module` when it is not imported yet."""
        local = self.local_for(module)
        if local is not None:
            return local, None
        first = module.split(".")[0]
        if first in self.defined:
            raise FixError(f"{self.doc.source.path}: `{first}` already names something else here")
        return module, ImportRequest(module)


# --- writing imports ------------------------------------------------------------------

def add_imports(module: cst.Module, requests: list[ImportRequest], package: str, module_name: str = "") -> cst.Module:
    """The module with each requested import added once, in the file's style (`package` resolves
    relative imports; the first part of `module_name` is the project's own top-level package)."""
    if not requests:
        return module
    body: list[cst.BaseStatement] = list(module.body)
    pending: list[ImportRequest] = []
    for request in sorted(set(requests)):
        if request.name:
            index = _existing_from(body, request.module, package)
            if index is not None:
                body[index] = _extend(body[index], request.name, package, request.module)
                continue
        pending.append(request)
    relative = any(isinstance(s, cst.SimpleStatementLine) and any(
        isinstance(small, cst.ImportFrom) and small.relative for small in s.body) for s in body)
    grouped: dict[str, list[str]] = {}
    plain: list[str] = []
    for request in pending:
        if request.name:
            grouped.setdefault(request.module, []).append(request.name)
        else:
            plain.append(request.module)
    lines = [f"import {m}" for m in sorted(set(plain))]
    for target, names in sorted(grouped.items()):
        source = relative_form(package, target) if relative else target
        lines.append(f"from {source} import {', '.join(sorted(set(names), key=_type_key))}")
    top = (package or module_name).split(".")[0]
    for statement in parse_statements("\n".join(lines), module) if lines else []:
        body = _place(body, statement, top)
    return module.with_changes(body=body)


def _section(statement: cst.BaseStatement, top: str) -> tuple[int, tuple[int, str]]:
    """isort's section (future, standard library, third party, first party) and order key."""
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    if isinstance(node, cst.ImportFrom):
        name = dotted(node.module) if node.module is not None else ""
        key = (1, (name or "").lower())
        if node.relative:
            return 3, key
    else:
        assert isinstance(node, cst.Import)
        name = dotted(node.names[0].name) or ""
        key = (0, name.lower())
    first = (name or "").split(".")[0]
    if first == "__future__":
        return 0, key
    if first in sys.stdlib_module_names:
        return 1, key
    return (3 if top and first == top else 2), key


def _place(body: list[cst.BaseStatement], statement: cst.BaseStatement, top: str) -> list[cst.BaseStatement]:
    """Insert an import statement into the leading import block, in its section and (when the
    section is sorted) in its sorted place, with a blank line where a new section starts."""
    end = leading_import_end(body)
    start = 1 if end and not _is_import(body[0]) else 0
    block = [(i, *_section(body[i], top)) for i in range(start, end) if _is_import(body[i])]
    section, key = _section(statement, top)
    same = [(i, k) for i, sec, k in block if sec == section]
    if same:
        keys = [k for _, k in same]
        if keys == sorted(keys):
            at = next((i for i, k in same if k > key), same[-1][0] + 1)
        else:
            at = same[-1][0] + 1
        if at == same[0][0] and at < len(body):  # first of its section: take over the blank line above
            moved = body[at]
            assert isinstance(moved, cst.SimpleStatementLine)
            statement = statement.with_changes(leading_lines=moved.leading_lines)
            body[at] = moved.with_changes(leading_lines=[])
        body.insert(at, statement)
        return body
    before = [i for i, sec, _ in block if sec < section]
    after = [i for i, sec, _ in block if sec > section]
    if before:
        at = before[-1] + 1
        statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
    elif after:
        at = after[0]
        moved = body[at]
        assert isinstance(moved, cst.SimpleStatementLine)
        statement = statement.with_changes(leading_lines=moved.leading_lines)
        body[at] = moved.with_changes(leading_lines=[cst.EmptyLine()])
    else:
        at = end
        if at < len(body):  # nothing imported yet: a blank line between the import and the code
            following = body[at]
            if isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) \
                    and not following.leading_lines:
                body[at] = following.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(at, statement)
    return body


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom))


def leading_import_end(body: list[cst.BaseStatement]) -> int:
    """Index after the last import of the leading block (after a docstring when there is none)."""
    end = 0
    for i, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body):
            end = i + 1
            continue
        if i == 0 and len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr) and isinstance(
                statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            end = 1  # the docstring
            continue
        break
    return end


def _existing_from(body: list[cst.BaseStatement], module: str, package: str) -> int | None:
    for i, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        node = statement.body[0]
        if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
            continue
        name = dotted(node.module) if node.module is not None else ""
        if resolve_relative(package, len(node.relative), name or "") == module:
            return i
    return None


def _type_key(name: str) -> tuple[int, str]:
    """isort's and ruff's order-by-type: CONSTANTS, Classes, functions; then by name."""
    if len(name) > 1 and name.isupper():
        return 0, name.lower()
    return (1 if name[:1].isupper() else 2), name.lower()


def _extend(statement: cst.BaseStatement, name: str, package: str, module: str) -> cst.BaseStatement:
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    names = [dotted(a.name) or "" for a in aliases]
    if name in names:
        return statement
    index = len(aliases)
    for key in (_type_key, lambda n: (0, n.lower()), lambda n: (0, n)):
        keys = [key(n) for n in names]
        if keys == sorted(keys):
            index = sum(1 for k in keys if k < key(name))
            break
    separator = next((a.comma for a in aliases[:-1] if isinstance(a.comma, cst.Comma)),
                     cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    new_alias = cst.ImportAlias(name=cst.Name(name))
    if index < len(aliases):
        aliases.insert(index, new_alias.with_changes(comma=separator))
    else:
        last = aliases[-1]
        if isinstance(last.comma, cst.Comma):  # a trailing comma: the new name gets one too
            aliases.append(new_alias.with_changes(comma=last.comma))
        else:
            aliases[-1] = last.with_changes(comma=separator)
            aliases.append(new_alias)
    return statement.with_changes(body=[node.with_changes(names=aliases)])


def relative_form(package: str, target: str) -> str:
    """`..deps` for `app.api.deps` imported from inside `app.api.routes` (absolute when unrelated)."""
    here = package.split(".") if package else []
    there = target.split(".")
    if not here or here[0] != there[0]:
        return target
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    level = len(here) - common + 1
    return "." * level + ".".join(there[common:])
