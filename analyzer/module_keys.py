"""Module keys: what a rule's work on one module depends on, so that a later run can reuse it.

A rule's work on one module (the INJ rules' walk of the functions no route reaches, a pattern
rule's reading of one file) reads that module and whatever it reaches by name: the modules
its imports and dotted names resolve to, theirs in turn, and so on. A module's key is a digest
of all of that:

- the module's own digest (`summary_digest`): its path, name, imports, body and parse error,
  but not its words, line count or suppressions, which no analysis of another module reads
  (so a comment added at the end of a file changes the key of no module that imports it);
- for every prefix of every name it refers to (`referenced_names`: `django`, `django.utils`,
  `django.utils.html`, `django.utils.html.escape`), which module the project index resolves
  that prefix to, or none: a module added, removed or renamed so that a name resolves
  elsewhere changes the key; and the same for the names they become after one re-export
  (`pkg.api.sub` read as `pkg.impl.api.sub` when `pkg` imports `api` from `pkg.impl`);
- for a module that reads Django's `settings`, which modules are the Django projects' settings
  modules (the value evaluator reads `settings.X` there);
- the keys of those modules, so the key covers everything reachable (computed once per
  strongly connected component of the import graph: modules that import each other share
  what they reach).

The summarize workers make the digest and the names beside the summary (`with_key_facts`),
and the cache keeps them with it; a run only resolves the names and combines digests.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator

from apilint.project import MAX_HOPS, ProjectIndex
from apilint.summary import Expr, ModuleSummary, Stmt, walk_stmts

DJANGO_SETTINGS = "django.conf.settings"
"""What `from django.conf import settings` refers to: the value evaluator reads `settings.X`
from the project's settings modules (`apilint.frameworks.django_settings`)."""


def summary_digest(mod: ModuleSummary) -> str:
    """Digest of what another module's analysis can read of this one."""
    payload = pickle.dumps((mod.path, mod.module, mod.is_package, mod.imports, mod.body, mod.parse_error),
                           protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def referenced_names(mod: ModuleSummary) -> tuple[str, ...]:
    """Qualified names the module refers to, and every prefix of each (`a`, `a.b`, `a.b.c`):
    its imports (also those inside functions), star imports' modules, and every dotted name
    whose head is imported, qualified through the import."""
    table = mod.import_table()
    refs = set(table.values())
    refs.update(imp.module for imp in mod.imports if imp.module)
    for stmt in walk_stmts(mod.body, into_defs=True):
        if stmt.kind == "import":
            for target, qualified in zip(stmt.targets, stmt.exprs, strict=False):
                if qualified.kind == "str" and qualified.text:
                    refs.add(qualified.text)
                    if target.kind == "name":
                        table.setdefault(target.text, qualified.text)
    for expr in _expressions(mod.body):
        for node in expr.walk():
            if node.kind != "attr":
                continue
            dotted = node.dotted
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            base = table.get(head)
            if base is not None:
                refs.add(f"{base}.{rest}")
    prefixes: set[str] = set()
    for ref in refs:
        parts = ref.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return tuple(sorted(prefixes))


def with_key_facts(mod: ModuleSummary) -> ModuleSummary:
    """The summary with its digest and referenced names (made where the summary is made)."""
    return mod._replace(digest=summary_digest(mod), refs=referenced_names(mod))


def _expressions(body: tuple[Stmt, ...]) -> Iterator[Expr]:
    """Every expression of every statement, nested definitions included."""
    for stmt in walk_stmts(body, into_defs=True):
        if stmt.value is not None:
            yield stmt.value
        yield from stmt.targets
        yield from stmt.exprs
        func = stmt.func
        if func is not None:
            yield from (d.expr for d in func.decorators)
            for param in func.params:
                if param.annotation is not None:
                    yield param.annotation
                if param.default is not None:
                    yield param.default
            if func.returns is not None:
                yield func.returns
        cls = stmt.cls
        if cls is not None:
            yield from cls.bases
            yield from (kw.value for kw in cls.keywords)
            yield from (d.expr for d in cls.decorators)


class ModuleKeys:
    """The key of every module of a project (see the module docstring), computed on first use.

    A module whose summary carries no digest (made by a caller that skipped `with_key_facts`)
    has no key, and neither has any module that reaches it: their results are never reused.
    """

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._keys: dict[str, str | None] | None = None

    def key(self, mod: ModuleSummary) -> str | None:
        """The module's key; None when its results must not be reused."""
        if self._keys is None:
            self._keys = self._compute()
        return self._keys.get(mod.path)

    def _compute(self) -> dict[str, str | None]:
        own: dict[str, str | None] = {}
        edges: dict[str, tuple[str, ...]] = {}
        settings: tuple[str, ...] | None = None
        for mod in self.index:
            own[mod.path], edges[mod.path] = self._own(mod)
            if own[mod.path] is not None and DJANGO_SETTINGS in mod.refs:
                # `settings.X` is read from the project's settings modules, which no import names
                if settings is None:
                    settings = self._settings_modules()
                edges[mod.path] = tuple(sorted({*edges[mod.path], *settings} - {mod.path}))
                own[mod.path] = f"{own[mod.path]}|settings={','.join(settings)}"
        keys: dict[str, str | None] = {}
        for component in _components(edges):
            members = set(component)
            parts: list[str] = []
            known = True
            for path in sorted(component):
                digest = own[path]
                known = known and digest is not None
                parts.append(f"{path}:{digest}")
            successors = sorted({dep for path in component for dep in edges[path] if dep not in members})
            for dep in successors:
                dep_key = keys[dep]
                known = known and dep_key is not None
                parts.append(f"{dep}={dep_key}")
            key = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest() if known else None
            for path in component:
                keys[path] = key
        return keys

    def _settings_modules(self) -> tuple[str, ...]:
        """The settings modules of every Django project of the tree, the main one first."""
        from apilint.frameworks.django_settings import all_project_settings

        return tuple(dict.fromkeys(s.module.path for s in all_project_settings(self.index) if s.module is not None))

    def _own(self, mod: ModuleSummary) -> tuple[str | None, tuple[str, ...]]:
        """(digest of the module and of what its names resolve to, modules they resolve to)."""
        if not mod.digest:
            return None, ()
        # The names are in the digest (they come from the module's own code): what each resolves
        # to is recorded by position, "" for none.
        resolved = [mod.digest]
        deps: set[str] = set()
        module = self.index.module
        found: dict[str, ModuleSummary | None] = {}
        for name in mod.refs:
            target = found[name] = module(name)
            if target is None:
                resolved.append("")
            else:
                resolved.append(target.path)
                if target.path != mod.path:
                    deps.add(target.path)
        for name in sorted(self._through_re_exports(mod.refs, found)):
            target = module(name)
            resolved.append(f"{name}>{target.path if target is not None else ''}")
            if target is not None and target.path != mod.path:
                deps.add(target.path)
        return hashlib.blake2b("\n".join(resolved).encode(), digest_size=16).hexdigest(), tuple(sorted(deps))

    def _through_re_exports(self, refs: tuple[str, ...], found: dict[str, ModuleSummary | None]) -> set[str]:
        """The names the module's dotted names become through re-exports: `pkg.api.sub` when
        `pkg` imports `api` from `pkg.impl` reads `pkg.impl.api.sub`, a module that `pkg.impl.api`
        itself need not import (name resolution follows the hop, `ProjectIndex.lookup`), and so on
        down a chain of them, as far as name resolution goes."""
        out: set[str] = set()
        names = refs
        module = self.index.module
        for _ in range(MAX_HOPS):
            hop = self._one_re_export(names, found) - out
            if not hop:
                break
            out |= hop
            names = _with_prefixes(hop)
            for name in names:
                if name not in found:
                    found[name] = module(name)
        return out

    def _one_re_export(self, refs: tuple[str, ...], found: dict[str, ModuleSummary | None]) -> set[str]:
        """What one re-export makes of `refs` (sorted, each name's prefixes among them, `found`
        holding the module each names, if any)."""
        out: set[str] = set()
        count = len(refs)
        for i in range(count - 1):
            name = refs[i]
            below = name + "."
            # only a name with longer names below it can lead anywhere (`refs` is sorted, so those
            # follow it)
            if not refs[i + 1].startswith(below) or found[name] is not None:
                continue
            parent, _, head = name.rpartition(".")
            owner = found.get(parent)
            qualified = self.index.import_table(owner).get(head) if owner is not None else None
            if owner is None or qualified is None or qualified == f"{owner.module}.{head}":
                continue
            j = i + 1
            while j < count and refs[j].startswith(below):
                out.add(qualified + refs[j][len(name):])
                j += 1
        return out


def _with_prefixes(names: set[str]) -> tuple[str, ...]:
    """Every name and every dotted prefix of it, sorted (a name before the longer names below it)."""
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:cut]) for cut in range(1, len(parts) + 1))
    return tuple(sorted(out))


def _components(edges: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Strongly connected components of the graph, each after every component it reaches
    (Tarjan's algorithm, iterative: import chains can be deeper than Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, pos = work.pop()
            if pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges[node]
            advanced = False
            for i in range(pos, len(successors)):
                succ = successors[i]
                if succ not in edges:
                    continue
                if succ not in index:
                    work.append((node, i + 1))
                    work.append((succ, 0))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


__all__ = ["ModuleKeys", "referenced_names", "summary_digest", "with_key_facts"]
