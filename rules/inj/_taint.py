"""`Flow`: client input followed through a handler's statements to one kind of sink.

`Flow` walks a handler's statements in source order and gives every local a taint level
(`apilint.rules.inj._levels`). Levels pass through formatting, concatenation, attribute and
item reads, method calls on a tainted receiver, a short list of value-preserving library
calls (`os.path.join`, `Path`, `urljoin`, `b64decode`, `json.loads`) and project functions
(followed, two calls deep); other calls (`int()`, `uuid.UUID()`, a database query filtered by
the input) end the flow (`_propagate`). Parameters typed `int`, `UUID`, `bool`,
`Literal[...]`, an `Enum` or a pattern-constrained string carry no taint, and neither do
model fields so typed (`_sources`). Guards clear a value: an allow-list
(`if x not in ALLOWED: raise`), a lookup by equality among the server's own records that
must find one (`r = next((r for r in releases if r.link == x), None)`; `if not r: raise`), a
regular expression match, a containment check for paths
(`resolve()` + `is_relative_to` / `startswith(base)` / `commonpath`), a call to a
`validate_*` / `check_*` function, and kind-specific sanitizers each rule names (`_guards`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from apilint.model import Location, Route
from apilint.rule import RuleContext
from apilint.rules._scan import call_cache, module_scan, statement_calls
from apilint.rules.inj._guards import EXIT_CALLS, GUARD_NAME, Guards
from apilint.rules.inj._levels import FULL, MAX_DEPTH, FlowHit, Hit, Kind, SinkMatcher, merge_envs, offline
from apilint.rules.inj._propagate import PATH_CTORS, Propagation
from apilint.rules.inj._resolve import callee_cache, method_of, module_callee, resolve_call
from apilint.rules.inj._saved import SavedUploads
from apilint.rules.inj._sources import is_request_object, shared_entry_points
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt


@dataclass
class _Summary:
    hits: list[tuple[Location, Hit, str]] = field(default_factory=list)
    returns: int = 0
    attrs: dict[str, int] = field(default_factory=dict)
    """Instance attributes (`self.x`) holding client input when the function returns."""



class Flow:
    """Taint analysis for one kind of sink; one instance per rule run.

    Entry points are every route handler and GraphQL resolver; then, when `orphans` is set,
    every other function (and each module's top-level code) of the modules that mention one
    of `words`, so that a sink fed by request data in a view no route reaches, or a script,
    is still found (reported without a route, at lower confidence).
    """

    def __init__(self, ctx: RuleContext, kind: Kind, matcher: SinkMatcher,
                 words: tuple[str, ...] = (), sink_names: frozenset[str] | None = None, name: str = "") -> None:
        self.ctx = ctx
        self.name = name
        """The rule's code: names its per-module results (`RuleContext.per_module`)."""
        self.index = ctx.index
        self.kind = kind
        self.matcher = matcher
        self.words = words
        self.sink_names = sink_names
        """Last name segments of the rule's sinks; None: functions no route reaches are not walked."""
        self.stmt_calls = call_cache(self.index)
        """`statement_calls` results, shared by the run's rules."""
        self.callees = callee_cache(self.index)
        """`module_callee` results by (module path, dotted name), shared by the run's rules."""
        self._memo: dict[tuple[str, str, tuple[tuple[str, int], ...], int, bool], _Summary] = {}
        self._active: set[tuple[str, str]] = set()
        self._cut = False
        """Set while an analysis met a function already under analysis (recursion) and so got
        an empty result for it: such an analysis depends on its callers and is not memoized."""

    def run(self) -> Iterator[FlowHit]:
        """The best flow to every sink line (client input over untraced values, a route's over
        none), in the order the lines were first reached: routes first, then other functions."""
        best: dict[tuple[str, int], FlowHit] = {}
        entered: set[tuple[str, str]] = set()
        reaching: dict[tuple[str, int], list[str]] = {}  # routes whose input reaches each sink line
        for route, mod, func, hits in self._route_hits():
            entered.add((mod.path, func.qualname))
            for where, hit, via in hits:
                flow = FlowHit(route, where, hit, via)
                self._keep(best, flow)
                if flow.proven and route.display not in (seen := reaching.setdefault((where.file, where.line), [])):
                    seen.append(route.display)
        if self.sink_names is not None:
            for flow in self._orphan_flows(entered, self.sink_names):
                self._keep(best, flow)
        for key, flow in best.items():
            chosen = flow.route.display if flow.route is not None and flow.proven else None
            others = tuple(d for d in reaching.get(key, ()) if d != chosen) if chosen is not None else ()
            yield flow._replace(also=others) if others else flow

    def _route_hits(self) -> Iterator[tuple[Route, ModuleSummary, FunctionDef, tuple[tuple[Location, Hit, str], ...]]]:
        """Each entry point (`entry_points`, in its order) with the sinks its input reaches; the
        entries of one handler module are analyzed together, and reused from the last run when
        that module, what it reaches and its entries' input parameters are unchanged."""
        entries = shared_entry_points(self.ctx)
        by_module: dict[str, list[int]] = {}
        for i, entry in enumerate(entries):
            by_module.setdefault(entry[1].path, []).append(i)
        found: dict[int, tuple[tuple[Location, Hit, str], ...]] = {}
        for indices in by_module.values():
            group = [entries[i] for i in indices]
            inputs = repr([(func.qualname, func.line, sorted(seeds.items())) for _, _, func, seeds in group])
            hits = self.ctx.per_module(f"{self.name}:routes", group[0][1], inputs, partial(self._entry_hits, group))
            found.update(zip(indices, hits, strict=True))
        for i, (route, mod, func, _seeds) in enumerate(entries):
            yield route, mod, func, found[i]

    def _entry_hits(self, group: list[tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]]
                    ) -> tuple[tuple[tuple[Location, Hit, str], ...], ...]:
        return tuple(tuple(self.analyze(mod, func, seeds, 0).hits) for _, mod, func, seeds in group)

    @staticmethod
    def _keep(best: dict[tuple[str, int], FlowHit], flow: FlowHit) -> None:
        if not flow.proven and offline(flow.location.file):
            return
        key = (flow.location.file, flow.location.line)
        found = best.get(key)
        if found is None:
            best[key] = flow
        elif flow.rank() < found.rank():
            best[key] = flow  # the line keeps the place where it was first reached

    def _orphan_flows(self, entered: set[tuple[str, str]], sink_names: frozenset[str]) -> Iterator[FlowHit]:
        """Flows from the functions no route or resolver enters, and top-level code, of modules
        that may hold a sink, when they read the request or call something named like a sink;
        module by module, each module's reused from the last run when nothing it reads changed."""
        words = frozenset(self.words)
        by_module: dict[str, tuple[set[str], set[str], set[str]]] = {}
        for which, pairs in enumerate((entered, {(h.file, h.qualname) for h in self.ctx.facts.exception_handlers},
                                       {(h.file, h.qualname) for h in self.ctx.facts.request_hooks})):
            for path, qualname in pairs:
                by_module.setdefault(path, (set(), set(), set()))[which].add(qualname)
        nothing: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for mod in self.index:
            if mod.parse_error is not None or (words and words.isdisjoint(mod.words)):  # mentions none
                continue
            sets = by_module.get(mod.path, nothing)
            inputs = repr(tuple(sorted(names) for names in sets)) if sets is not nothing else ""
            yield from self.ctx.per_module(
                f"{self.name}:orphans", mod, inputs, partial(self._module_orphans, mod, sink_names, *sets))

    def _module_orphans(self, mod: ModuleSummary, sink_names: frozenset[str], entered: set[str],
                        handlers: set[str], hooks: set[str]) -> tuple[FlowHit, ...]:
        """The flows from one module's functions that no route enters."""
        out: list[FlowHit] = []
        for func, facts in module_scan(self.index, mod).entries:  # top-level code first
            if func.qualname in entered or not facts.may_reach(sink_names):
                continue
            name = f"{mod.module}.{func.qualname}" if mod.module else func.qualname
            seeds = {p.name: FULL for p in func.params if p.annotation is not None
                     and (p.annotation.dotted or "").rsplit(".", 1)[-1] == "UploadFile"}
            for where, hit, via in self.analyze(mod, func, seeds, 0, opaque_params=True).hits:
                out.append(FlowHit(None, where, hit, via, name, error_handler=func.qualname in handlers,
                                   request_hook=func.qualname in hooks))
        return tuple(out)

    def analyze(self, mod: ModuleSummary, func: FunctionDef, seeds: dict[str, int], depth: int,
                opaque_params: bool = False) -> _Summary:
        """Sinks reached inside `func` (and the functions it calls) and the taint it returns.
        `opaque_params`: no route fills the parameters, so what they hold is unknown."""
        key = (mod.path, func.qualname, tuple(sorted(seeds.items())), depth, opaque_params)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key[:2] in self._active:
            self._cut = True
            return _Summary()
        # Memoized only when no recursion was cut short inside: then the result depends on the
        # key alone, whatever was analyzed before, so each module's results are the same
        # whether made in this run or reused from the last (`RuleContext.per_module`).
        outer_cut, self._cut = self._cut, False
        self._active.add(key[:2])
        try:
            frame = Frame(self, mod, func, seeds, depth, opaque_params)
            frame.block(func.body)
            attrs = {k[5:]: v for k, v in frame.env.items() if v and k.startswith("self.") and k.count(".") == 1}
            result = _Summary(frame.hits, frame.returns, attrs)
        finally:
            self._active.discard(key[:2])
            cut, self._cut = self._cut, outer_cut or self._cut
        if not cut:
            self._memo[key] = result
        return result



class Frame(Propagation, Guards, SavedUploads):
    """The state of one function under analysis: taint of its locals, objects they hold."""

    def __init__(self, flow: Flow, mod: ModuleSummary, func: FunctionDef, seeds: dict[str, int],
                 depth: int, opaque_params: bool = False) -> None:
        self.flow = flow
        self.index = flow.index
        self.mod = mod
        self.func = func
        self.depth = depth
        self.env: dict[str, int] = dict(seeds)
        self.defs: dict[str, Expr] = {}
        self.objs: dict[str, str] = {}
        self.uploads: set[str] = set()
        self.saved: set[str] = set()
        self.handles: dict[str, str] = {}
        self.pathlike: set[str] = set()
        self.local_imports: dict[str, str] = {}
        self.params: dict[str, Expr] = {}
        self.hits: list[tuple[Location, Hit, str]] = []
        self.returns = 0
        self.cleared: set[str] = set()
        self.instances: dict[str, dict[str, int]] = {}
        self.guard_vars: dict[str, Expr] = {}
        self.expr_guarded = False
        self.opaque_params = opaque_params
        for p in func.params:
            if p.annotation is None:
                continue
            self.params[p.name] = p.annotation
            ann = self.index.qualify_expr(mod, p.annotation) or ""
            if ann.rsplit(".", 1)[-1] == "UploadFile":
                self.uploads.add(p.name)
            elif ann:
                self.objs[p.name] = ann

    # --- names -------------------------------------------------------------------------
    def callee(self, call: Expr) -> str:
        """Qualified name of what a call calls; methods of known objects as `Class.method`."""
        func = call.func if call.kind == "call" else call
        if func.kind == "attr" and func.args[0].kind == "call":
            owner = self.callee(func.args[0])
            return f"{owner}.{func.text}" if owner else ""
        dotted = func.dotted
        if dotted is None:
            return ""
        head, _, rest = dotted.partition(".")
        if head in self.local_imports:
            base = self.local_imports[head]
        elif head in self.objs:
            base = self.objs[head]
        elif head in self.env or head in self.defs:
            return ""
        else:
            key = (self.mod.path, dotted)
            found = self.flow.callees.get(key)
            if found is None:
                found = self.flow.callees[key] = module_callee(self.index, self.mod, head, rest)
            return found
        return f"{base}.{rest}" if rest else base

    def project(self, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
        func = call.func
        if func.kind == "attr" and func.args[0].kind == "name" and func.args[0].text in ("self", "cls"):
            owner, _, _ = self.func.qualname.rpartition(".")
            if owner and "<locals>" not in owner:
                return method_of(self.index, self.mod, owner.split(".")[0], func.text)
            return None
        if func.kind == "name" and (func.text in self.local_imports or func.text in self.env):
            return None
        if func.kind == "attr" and func.args[0].kind == "name" and func.args[0].text in self.objs:
            symbol = self.index.lookup(self.objs[func.args[0].text])  # `report = Report(...)`; `report.render()`
            if symbol is not None and symbol.cls is not None:
                return method_of(self.index, symbol.module, symbol.cls.name, func.text)
        found = resolve_call(self.index, self.mod, call)
        if found is None and func.kind in ("name", "attr"):
            symbol = self.index.resolve(self.mod, func)
            if symbol is not None and symbol.cls is not None:  # a project class: its constructor runs
                return method_of(self.index, symbol.module, symbol.cls.name, "__init__")
        return found

    # --- statements ----------------------------------------------------------------------
    def block(self, stmts: Iterable[Stmt]) -> bool:
        """Walk statements in order; True when the block always leaves (return, raise, abort)."""
        return any(self.stmt(stmt) for stmt in stmts)  # stops at the first statement that leaves

    def stmt(self, s: Stmt) -> bool:
        k = s.kind
        if k in ("def", "class"):
            return False
        self._check(s)
        if k in ("assign", "annassign") and s.value is not None:
            lv = self.level(s.value)
            for target in s.targets:
                self._bind_target(target, lv, s.value)
        elif k == "augassign" and s.value is not None:
            for target in s.targets:
                if target.kind == "name":
                    self.env[target.text] = self.env.get(target.text, 0) | self.level(s.value)
        elif k == "for" and s.value is not None:
            lv = self.level(s.value)
            for target in s.targets:
                self._bind_target(target, lv, s.value)
            self._loop(s.body)
            self.block(s.orelse)
        elif k == "while":
            self._loop(s.body)
            self.block(s.orelse)
        elif k == "with":
            for item, target in zip(s.exprs, s.targets, strict=False):
                if target.kind == "name":
                    self._bind_target(target, self.level(item), item)
                    self.opened_for_write(target.text, item)
            return self.block(s.body)
        elif k == "if" and s.value is not None:
            return self._if(s)
        elif k == "try":
            self.block(s.body)
            for handler in s.handlers:
                self.block(handler.body)
            self.block(s.orelse)
            return self.block(s.finalbody)
        elif k == "match":
            for case in s.handlers:
                self.block(case.body)
        elif k == "assert" and s.value is not None:
            self._clear(self.checked(s.value, True))
        elif k == "import":
            for target, qual in zip(s.targets, s.exprs, strict=False):
                if target.kind == "name" and qual.kind == "str":
                    self.local_imports[target.text] = qual.text
        elif k == "expr" and s.value is not None:
            return self._expr_stmt(s.value)
        elif k == "return":
            if s.value is not None:
                self.returns |= self.level(s.value)
            return True
        return k in ("raise", "continue", "break")

    def _loop(self, body: tuple[Stmt, ...]) -> None:
        before = dict(self.env)
        self.block(body)
        self.env = merge_envs(before, self.env)

    def _expr_stmt(self, value: Expr) -> bool:
        call = value.args[0] if value.kind == "await" and value.args else value
        if call.kind != "call":
            return False
        self.note_write(call)
        name = self.callee(call) or (call.func.dotted or "")
        if EXIT_CALLS.search(name):
            return True
        last = name.rsplit(".", 1)[-1] or (call.func.text if call.func.kind == "attr" else "")
        if last == "relative_to" and self.flow.kind.path_checks and call.func.kind == "attr":
            self._clear(set(call.func.args[0].names()))
        elif GUARD_NAME.search(last) and self._guard_function(call, raising=True):
            self._clear(self._subjects(call.positional))
        return False

    def _if(self, s: Stmt) -> bool:
        test = s.value
        assert test is not None
        before = dict(self.env)
        self._clear(self.checked(test, True))
        body_exits = self.block(s.body)
        after_body = self.env
        self.env = dict(before)
        self._clear(self.checked(test, False))
        else_exits = self.block(s.orelse)
        if body_exits and else_exits:
            return True
        if body_exits:
            return False
        if not else_exits:
            self.env = merge_envs(after_body, self.env)
        else:
            self.env = after_body
        return False

    def _bind_target(self, target: Expr, lv: int, value: Expr) -> None:
        if target.kind == "attr":
            if target.dotted is not None:
                self.env[target.dotted] = lv
            return
        if target.kind == "subscript":
            base = target.args[0]
            if base.kind == "name" and lv:
                self.env[base.text] = self.env.get(base.text, 0) | lv
            return
        if target.kind != "name":
            for sub in target.walk():
                if sub.kind == "name":
                    self.env[sub.text] = lv
            return
        name = target.text
        self.env[name] = lv
        self.defs[name] = value
        self.opened_for_write(name, value)
        inner = value.args[0] if value.kind == "await" and value.args else value
        self.objs.pop(name, None)
        self.instances.pop(name, None)
        self.guard_vars.pop(name, None)
        self.pathlike.discard(name)
        self.uploads.discard(name)
        if inner.kind == "call":
            ctor = self.callee(inner)
            if ctor:
                self.objs[name] = ctor
            self._instance(name, inner)
            last = (self.callee(inner) or inner.func.dotted or "").rsplit(".", 1)[-1]
            if GUARD_NAME.search(last):
                self.guard_vars[name] = inner
            if ctor in PATH_CTORS or (inner.func.kind == "attr" and inner.func.text in ("resolve", "absolute")
                                       and self.is_path(inner.func.args[0])):
                self.pathlike.add(name)
        elif inner.kind == "binop" and inner.text == "/":
            self.pathlike.add(name)
        if any(s.kind == "attr" and s.text in ("files", "FILES") for s in value.walk()) or (
                value.kind == "name" and value.text in self.uploads):
            self.uploads.add(name)

    def _instance(self, name: str, call: Expr) -> None:
        """`name = Cls(...)`: remember which attributes the project constructor filled with client input."""
        if self.depth >= MAX_DEPTH or call.func.kind not in ("name", "attr"):
            return
        symbol = self.index.resolve(self.mod, call.func)
        if symbol is None or symbol.cls is None:
            return
        init = method_of(self.index, symbol.module, symbol.cls.name, "__init__")
        seeds = self._bind(init[1], call) if init is not None else {}
        if init is not None and seeds:
            attrs = self.flow.analyze(init[0], init[1], seeds, self.depth + 1).attrs
            if attrs:
                self.instances[name] = attrs

    # --- sinks ---------------------------------------------------------------------------
    def _check(self, s: Stmt) -> None:
        for call in statement_calls(self.flow.stmt_calls, s):
            for hit in self.flow.matcher(self, call):
                self.hits.append((Location(self.mod.path, s.line), hit, self.func.name if self.depth else ""))
            if self.depth < MAX_DEPTH and self.passes_input(call):
                target = self.project(call)
                if target is not None:
                    seeds = self._bind(target[1], call)
                    # a helper handed the request object reads client input itself
                    if seeds or any(is_request_object(a) for a in call.args[1:]):
                        self.hits += self.flow.analyze(target[0], target[1], seeds, self.depth + 1).hits



def mentions_any(ctx: RuleContext, words: Iterable[str]) -> bool:
    """Cheap pre-filter: does any module mention one of these (lower-cased) words?"""
    wanted = frozenset(words)
    return any(not wanted.isdisjoint(mod.words) for mod in ctx.index)


def render_arg(e: Expr) -> str:
    """Short source text of the offending argument, for messages."""
    return e.render(50)
