"""Fix facts of ERR002: where a debug switch is set, and how to read it from the environment.

A literal `True` (Django `DEBUG = True`, `app.debug = True`, `app.config["DEBUG"] = True`,
`app.run(debug=True)`, `FastAPI(debug=True)`, `app.config.update(DEBUG=True)`) becomes a
comparison with an environment variable that is off unless set (`DJANGO_DEBUG` for Django,
`FLASK_DEBUG` for Flask, as their own tools name it, else `DEBUG`). An environment lookup
whose default is on (`env.bool("DEBUG", default=True)`, `os.getenv("DEBUG", "True")`) gets
the matching off default instead.
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.model import FixPlan, SettingFact
from apilint.project import ProjectIndex
from apilint.summary import Expr, Stmt, walk_stmts

_VARIABLE = {"django": "DJANGO_DEBUG", "drf": "DJANGO_DEBUG", "flask": "FLASK_DEBUG"}
_OFF = {"True": "False", "true": "false", "1": "0", "yes": "no", "on": "off", "TRUE": "FALSE"}


def _statement(index: ProjectIndex, fact: SettingFact) -> Stmt | None:
    mod = index.by_path.get(fact.location.file)
    if mod is None:
        return None
    for stmt in walk_stmts(mod.body, into_defs=True):
        if stmt.line == fact.location.line and stmt.kind in ("assign", "annassign", "expr", "return"):
            return stmt
    return None


def _on(expr: Expr | None) -> bool:
    if expr is None:
        return False
    if expr.kind == "const":
        return expr.text == "True"
    if expr.kind == "num":
        return expr.text == "1"
    return expr.kind == "str" and expr.text in _OFF


def _off(expr: Expr) -> str:
    if expr.kind == "const":
        return "False"
    if expr.kind == "num":
        return "0"
    return plan.string(_OFF[expr.text])


def debug_off(index: ProjectIndex, fact: SettingFact) -> FixPlan | None:
    """The plan that turns a reported debug switch off unless an environment variable says so."""
    stmt = _statement(index, fact)
    if stmt is None or fact.name != "DEBUG":
        return None
    path = fact.location.file
    if fact.from_env_default:
        return _default_off(stmt, path)
    variable = _VARIABLE.get(fact.framework, "DEBUG")
    from_env = f"@{{os}}.environ.get({plan.string(variable)}) == \"1\""
    title = f"Read debug from the environment, off unless {variable}=1"
    if stmt.kind in ("assign", "annassign") and _on(stmt.value) and stmt.targets and _debug_target(stmt.targets[0]):
        return plan.statement_value(title, plan.SAFE, path, stmt.line, from_env)
    for expr in stmt.own_exprs():
        for call in expr.calls():
            keyword = next((kw for kw in call.keywords if kw.name in ("debug", "DEBUG") and _on(kw.value)), None)
            where = plan.locate_call(stmt, call) if keyword is not None else None
            if keyword is not None and where is not None:
                return plan.call_arguments(title, plan.SAFE, path, stmt.line, where[0], ordinal=where[1],
                                           set=[f"{keyword.name}={from_env}"])
    return None


def _debug_target(target: Expr) -> bool:
    if target.kind == "name":
        return target.text == "DEBUG"
    if target.kind == "attr":
        return target.text == "debug"
    return target.kind == "subscript" and any(a.kind == "str" and a.text == "DEBUG" for a in target.args[1:])


def _default_off(stmt: Stmt, path: str) -> FixPlan | None:
    """Flip the true default of the environment lookup that reads DEBUG."""
    for expr in stmt.own_exprs():
        for call in expr.calls():
            name = call.arg(0)
            if name is None or name.kind != "str" or "debug" not in name.text.lower():
                continue
            default = call.kwarg("default")
            by_keyword = default is not None
            if default is None and len(call.positional) > 1:
                default = call.positional[1]
            where = plan.locate_call(stmt, call)
            if default is None or not _on(default) or where is None:
                continue
            value = _off(default)
            return plan.call_arguments(f"Make debug default to off ({value})", plan.SAFE, path, stmt.line,
                                       where[0], ordinal=where[1], set=[f"default={value}"] if by_keyword else [],
                                       arguments=[] if by_keyword else [f"1={value}"])
    return None
