"""The fix for outbound requests that skip certificate verification, ready for the TLS rule
that reports them: a call such as `requests.get(url, verify=False)`,
`httpx.Client(verify=False)` or `aiohttp` `session.get(url, ssl=False)` loses the switch
(the libraries verify by default), and `session.verify = False` becomes `True`.

The rule passes what it already found, the statement and the call (summary objects), and
attaches the returned plan to its finding: `fix_plan=verify_certificates(mod.path, stmt, call)`.
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.model import FixPlan
from apilint.summary import Expr, Stmt

SWITCHES = ("verify", "ssl", "verify_ssl")
"""Keyword arguments that turn certificate checks off when False (requests/httpx, aiohttp)."""


def _false(expr: Expr | None) -> bool:
    return expr is not None and expr.kind == "const" and expr.text == "False"


def verify_certificates(file: str, stmt: Stmt, call: Expr | None = None) -> FixPlan | None:
    """Drop `verify=False` (or `ssl=False`, `verify_ssl=False`) from `call`, or set the
    `verify` attribute the statement assigns `False` back to `True`; None when neither is there."""
    if call is None:
        targets = [t for t in stmt.targets if t.kind == "attr" and t.text == "verify"]
        if stmt.kind == "assign" and _false(stmt.value) and len(targets) == len(stmt.targets) == 1:
            return plan.statement_value("Verify TLS certificates again (`verify = True`)", plan.SAFE, file, stmt.line,
                                        "True")
        return None
    switches = [kw.name for kw in call.keywords if kw.name in SWITCHES and _false(kw.value)]
    where = plan.locate_call(stmt, call)
    if not switches or where is None:
        return None
    shown = ", ".join(f"`{name}=False`" for name in switches)
    return plan.call_arguments(f"Verify TLS certificates again: drop {shown}", plan.SAFE, file, stmt.line, where[0],
                               ordinal=where[1], remove=switches)


__all__ = ["SWITCHES", "verify_certificates"]
