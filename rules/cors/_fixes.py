"""Fix facts of CORS001: allowed origins read from the environment instead of `*`.

The origins become the comma-separated list in `CORS_ALLOWED_ORIGINS` (nothing allowed until
it is set): `allow_origins=` of Starlette's `CORSMiddleware`, `origins=` of flask-cors'
`CORS(app)` and `@cross_origin()`, and for django-cors-headers `CORS_ALLOW_ALL_ORIGINS = False`
plus a `CORS_ALLOWED_ORIGINS` setting. When the wildcard is the default of an environment
lookup (`os.getenv("CORS_ORIGINS", "*")`), only that default becomes empty. Origins echoed or
set by hand in a header get no fix: the allow-list check they need is the project's to write.
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.model import CorsPolicy, FixPlan, Location, ProjectFacts
from apilint.project import ProjectIndex
from apilint.summary import Expr, Stmt, walk_stmts

VARIABLE = "CORS_ALLOWED_ORIGINS"
FROM_ENV = f'[origin for origin in @{{os}}.environ.get("{VARIABLE}", "").split(",") if origin]'
_TITLE = f"Allow only the origins listed in the {VARIABLE} environment variable"
_ALL_ORIGINS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")


def origins_fix(index: ProjectIndex, facts: ProjectFacts, location: Location) -> FixPlan | None:
    """The plan for the permissive policy reported at `location`, when apilint can write one."""
    policy = next((p for p in facts.cors if p.location == location), None)
    if policy is not None and policy.reflects_origin:
        return None
    setting = next((f for f in facts.settings if f.name in _ALL_ORIGINS and f.location == location), None)
    if setting is not None or (policy is not None and policy.source == "django-cors-headers"):
        return _django(index, location)
    if policy is None:
        return None
    mod = index.by_path.get(location.file)
    if mod is None:
        return None
    for func in mod.functions():  # `@cross_origin()` on a view: the decorator's line
        for dec in func.decorators:
            if dec.line == location.line and dec.expr.kind == "call":
                where = plan.locate_in_header(func, dec.expr)
                if where is None or dec.expr.kwarg("resources") is not None:
                    return None
                return plan.call_arguments(_TITLE, plan.UNSAFE, mod.path, func.line, where[0], ordinal=where[1],
                                           decorators=True, set=[f"origins={FROM_ENV}"])
    stmt = next((s for s in walk_stmts(mod.body, into_defs=True) if s.line == location.line and s.func is None
                 and s.cls is None), None)
    return _call(policy, mod.path, stmt) if stmt is not None else None


def _call(policy: CorsPolicy, path: str, stmt: Stmt) -> FixPlan | None:
    keyword = "allow_origins" if policy.source == "starlette" else "origins"
    for expr in stmt.own_exprs():
        for call in expr.calls():
            known = {kw.name for kw in call.keywords}
            if policy.source == "starlette" and not known & {"allow_origins", "allow_origin_regex"}:
                continue
            if policy.source == "flask-cors" and ("resources" in known or not (known or call.positional)):
                continue
            where = plan.locate_call(stmt, call)
            if where is None:
                continue
            default = _wildcard_default(call.kwarg(keyword))
            if default is not None:
                return default_fix(path, stmt, default)
            remove = ["allow_origin_regex"] if "allow_origin_regex" in known and policy.origin_regex else []
            return plan.call_arguments(_TITLE, plan.UNSAFE, path, stmt.line, where[0], ordinal=where[1],
                                       set=[f"{keyword}={FROM_ENV}"], remove=remove)
    return None


def _wildcard_default(value: Expr | None) -> Expr | None:
    """The environment lookup inside `value` whose default is `*` (`os.getenv("X", "*").split(",")`)."""
    if value is None:
        return None
    for call in value.calls():
        default = call.kwarg("default") or (call.positional[1] if len(call.positional) > 1 else None)
        name = call.arg(0)
        if name is not None and name.kind == "str" and default is not None and default.kind == "str" \
                and default.text.strip() == "*":
            return call
    return None


def default_fix(path: str, stmt: Stmt, lookup: Expr) -> FixPlan | None:
    """An empty default for the environment lookup that defaulted to every origin."""
    where = plan.locate_call(stmt, lookup)
    if where is None:
        return None
    by_keyword = lookup.kwarg("default") is not None
    return plan.call_arguments("Make the allowed origins default to none instead of `*`", plan.UNSAFE, path,
                               stmt.line, where[0], ordinal=where[1], set=['default=""'] if by_keyword else [],
                               arguments=[] if by_keyword else ['1=""'])


def _django(index: ProjectIndex, location: Location) -> FixPlan | None:
    mod = index.by_path.get(location.file)
    if mod is None:
        return None
    stmt = next((s for s in mod.top_level() if s.line == location.line and s.kind in ("assign", "annassign")), None)
    if stmt is None or stmt.value is None or not stmt.value.is_true or not stmt.targets \
            or stmt.targets[0].kind != "name" or stmt.targets[0].text not in _ALL_ORIGINS:
        return None
    return plan.statement_value(f"Set {stmt.targets[0].text} = False and read {VARIABLE} from the environment",
                                plan.UNSAFE, mod.path, stmt.line, "False", code=f"{VARIABLE} = {FROM_ENV}",
                                unless_defined=VARIABLE)
