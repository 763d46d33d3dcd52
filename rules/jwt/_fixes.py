"""Fix facts of the JWT rules: which algorithm the project signs a key's tokens with.

A decode call can be pinned only to what the project itself issues with the same key: every
`encode` call whose key is the same name (the same module constant or settings attribute)
must use one algorithm, read from a literal or a constant (the libraries' default, HS256,
when none is passed). Tokens signed elsewhere (a partner's public key) get no fix.
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.model import FixPlan
from apilint.project import ProjectIndex
from apilint.rules.jwt._calls import AUTHLIB, JwtCall, algorithms, all_jwt_calls, literal
from apilint.summary import Expr

_DEFAULT_ALGORITHM = "HS256"
"""What PyJWT's and python-jose's `encode` sign with when no algorithm is given."""


def _key_identity(index: ProjectIndex, jc: JwtCall) -> str | None:
    key = jc.key()
    if key is None or key.kind not in ("name", "attr"):
        return None
    return index.qualify_expr(jc.mod, key)


def signing_algorithm(index: ProjectIndex, jc: JwtCall) -> str | None:
    """`["HS256"]`-style code (a template) pinning the one algorithm the project signs this
    decode call's key with, or None when that is not known for sure."""
    key = _key_identity(index, jc)
    if key is None:
        return None
    found: set[str] = set()
    references: set[str] = set()
    for other in all_jwt_calls(index):
        if other.op != "encode" or other.lib == AUTHLIB or _key_identity(index, other) != key:
            continue
        arg = other.call.arg(2, "algorithm")
        if arg is None:
            found.add(_DEFAULT_ALGORITHM)
            continue
        value = literal(index, other, arg)
        if value is None or value.kind != "str":
            return None
        found.add(value.text)
        references.add(_constant(index, other, arg) or "")
    if len(found) != 1:
        return None
    algorithm = found.pop()
    if algorithm.lower() == "none":
        return None
    if len(references) == 1 and (reference := references.pop()):
        return f"[@{{{reference}}}]"
    return f"[{plan.string(algorithm)}]"


def _constant(index: ProjectIndex, jc: JwtCall, arg: Expr) -> str | None:
    """The qualified name of a module constant the algorithm is passed as (`ALGORITHM`)."""
    if arg.kind not in ("name", "attr"):
        return None
    qualified = index.qualify_expr(jc.mod, arg)
    symbol = index.lookup(qualified) if qualified else None
    if symbol is None or symbol.value is None or symbol.value.kind != "str" or symbol.func or symbol.cls:
        return None
    return symbol.qualname


def call_name(jc: JwtCall) -> str:
    """The callee as written (`jwt.decode`), which the codemod looks for."""
    return jc.call.func.dotted or ""


def ordinal(jc: JwtCall) -> int:
    """How many calls to the same callee come before this one in its statement."""
    callee = call_name(jc)
    count = 0
    for expr in jc.stmt.own_exprs():
        for call in expr.calls():
            if call is jc.call:
                return count
            if call.func.dotted == callee:
                count += 1
    return count


def pin_algorithms(jc: JwtCall, algorithms: str) -> FixPlan:
    """Set `algorithms=` of a decode call (replacing a value read from the token)."""
    title = f"Pin `algorithms={plan.display(algorithms)}`, the algorithm the project signs these tokens with"
    return plan.call_arguments(title, plan.SAFE, jc.mod.path, jc.stmt.line, call_name(jc), ordinal=ordinal(jc),
                               set=[f"algorithms={algorithms}"], positional=["2:algorithms"])


def verify_signature(index: ProjectIndex, jc: JwtCall, drop_keys: list[str], remove: list[str],
                     drop_none: bool) -> FixPlan | None:
    """Drop what turns signature checking off in a decode call that passes a key, pinning
    `algorithms=` when the call has none (else JWT002 would report the fixed call)."""
    key = jc.key()
    if not (drop_keys or remove or drop_none) or key is None or key.is_none or (key.kind == "str" and not key.text):
        return None
    arg, algs = algorithms(index, jc)
    drop_items: list[str] = []
    pin: list[str] = []
    if drop_none:
        kept = [a for a in algs or () if a.lower() != "none"]
        if arg is None or arg.kind not in ("list", "tuple") or not kept:
            return None  # the list is not written in the call, or nothing would be left in it
        where = "algorithms" if jc.call.kwarg("algorithms") is not None else "#2"
        drop_items = [f"{where}:{a}" for a in algs or () if a.lower() == "none"]
    elif arg is None or arg.is_none:
        pinned = signing_algorithm(index, jc)
        if pinned is None:
            return None
        pin = [f"algorithms={pinned}"]
    elif algs is None:
        return None  # computed algorithms: JWT002 judges them, the fix would only move the finding
    what = ("drop `options={\"verify_signature\": False}`" if drop_keys else "drop `verify=False`" if remove
            else "drop the `\"none\"` algorithm")
    if pin:
        what += f" and pin `algorithms={plan.display(pin[0].split('=', 1)[1])}`"
    return plan.call_arguments(f"Verify the token's signature: {what}", plan.SAFE, jc.mod.path, jc.stmt.line,
                               call_name(jc), ordinal=ordinal(jc), drop_keys=drop_keys, remove=remove,
                               drop_items=drop_items, set=pin, positional=["2:algorithms"] if pin else [])
