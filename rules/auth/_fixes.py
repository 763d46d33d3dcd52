"""Fix facts of AUTH004: which sibling construct to copy onto the forgotten route.

The evidence the message names (the one most siblings share) is traced back to the code that
applies it on a sibling: the handler parameter (`current_user: CurrentUser`), the entry of the
route decorator's `dependencies=[...]`, the decorator (`@login_required`), or the view class's
`permission_classes`. A sibling in the route's own file is preferred, so the copy needs no
import; one in another file brings the qualified names of its free names along.
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.model import Evidence, FixPlan, Route
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.summary import Expr, FunctionDef, ModuleSummary


def chosen_evidence(siblings: tuple[Route, ...]) -> str | None:
    """The evidence name most siblings share (ties: the first by name), as AUTH004 reports it."""
    counts: dict[str, int] = {}
    for sibling in siblings:
        for ev in sibling.auth.evidence[:1]:
            counts[ev.name] = counts.get(ev.name, 0) + 1
    return max(sorted(counts), key=lambda n: counts[n]) if counts else None


def _refers(index: ProjectIndex, mod: ModuleSummary, expr: Expr, target: str, depth: int = 0) -> bool:
    """True when `expr` names `target`, directly or through an alias (`CurrentUser = Annotated[...]`)."""
    for name in expr.names():
        qualified = index.qualify(mod, name)
        if qualified == target:
            return True
        symbol = index.lookup(qualified)
        if depth < 2 and symbol is not None and symbol.value is not None and symbol.func is None \
                and _refers(index, symbol.module, symbol.value, target, depth + 1):
            return True
    return False


def _names(index: ProjectIndex, mod: ModuleSummary, exprs: list[Expr]) -> list[str]:
    found = sorted({n for expr in exprs for n in expr.names()})
    return [f"{n}={index.qualify(mod, n)}" for n in found]


def sibling_auth_fix(ctx: RuleContext, route: Route, siblings: tuple[Route, ...]) -> FixPlan | None:
    """Copy what protects a sibling onto `route`, from the sibling's own code."""
    name = chosen_evidence(siblings)
    target, target_mod = ctx.handler(route), ctx.module_of(route)
    if name is None or target_mod is None:
        return None
    candidates = [s for s in siblings if s.auth.evidence and s.auth.evidence[0].name == name]
    candidates.sort(key=lambda s: (s.location.file != route.location.file, s.location.file, s.location.line))
    for sibling in candidates:
        found = _construct(ctx, route, target, target_mod, sibling, sibling.auth.evidence[0])
        if found is not None:
            return found
    return None


def _construct(ctx: RuleContext, route: Route, target: FunctionDef | None, target_mod: ModuleSummary,
               sibling: Route, ev: Evidence) -> FixPlan | None:
    source, source_mod = ctx.handler(sibling), ctx.module_of(sibling)
    if source is None or source_mod is None:
        return None
    index = ctx.index
    short = ev.name.rsplit(".", 1)[-1]
    title = f"Authenticate like {sibling.display}: copy its "
    if ev.kind in ("permission_class", "custom_permission") and ev.detail.endswith(".permission_classes"):
        return _class_attribute(ctx, route, sibling, ev, title + "`permission_classes`")
    if target is None:
        return None
    if ev.kind in ("dependency", "security_scheme") and ev.detail.startswith("handler parameter"):
        for param in source.params:
            exprs = [e for e in (param.annotation, param.default) if e is not None]
            if exprs and any(_refers(index, source_mod, e, ev.name) for e in exprs):
                if target.param(param.name) is not None:
                    return None
                return plan.copy_auth(title + f"`{param.name}` parameter", target_mod.path, target.line, "parameter",
                                      source_mod.path, source.line, name=param.name,
                                      names=_names(index, source_mod, exprs))
    if ev.kind in ("dependency", "security_scheme") and ev.detail.startswith("route dependencies"):
        for dec in source.decorators:
            deps = dec.expr.kwarg("dependencies") if dec.expr.kind == "call" else None
            if deps is None or deps.kind != "list":
                continue
            for i, item in enumerate(deps.args):
                if _refers(index, source_mod, item, ev.name):
                    return plan.copy_auth(title + f"dependency on `{short}`", target_mod.path, target.line,
                                          "route-dependency", source_mod.path, source.line, index=i,
                                          names=_names(index, source_mod, [item]))
    if ev.kind in ("decorator", "permission_class"):
        for i, dec in enumerate(source.decorators):
            if _refers(index, source_mod, dec.expr.func if dec.expr.kind == "call" else dec.expr, ev.name) or (
                    ev.kind == "permission_class" and _refers(index, source_mod, dec.expr, ev.name)):
                shown = (dec.expr.func if dec.expr.kind == "call" else dec.expr).render(40)
                return plan.copy_auth(title + f"`@{shown}` decorator", target_mod.path, target.line, "decorator",
                                      source_mod.path, source.line, index=i,
                                      names=_names(index, source_mod, [dec.expr]))
    return None


def _class_attribute(ctx: RuleContext, route: Route, sibling: Route, ev: Evidence, title: str) -> FixPlan | None:
    """`permission_classes = [...]` copied from the sibling's view class onto the route's."""
    source = ctx.index.lookup(ev.detail.rsplit(".", 1)[0])
    target = ctx.index.lookup(route.handler.rsplit(".", 1)[0])
    if source is None or target is None or source.cls is None or target.cls is None or source is target:
        return None
    if target.cls.attribute("permission_classes") is not None:
        return None
    value = source.cls.attribute("permission_classes")
    if value is None:
        return None
    del sibling
    return plan.copy_auth(title, target.module.path, target.cls.line, "class-attribute", source.module.path,
                          source.cls.line, name="permission_classes", names=_names(ctx.index, source.module, [value]))
