"""WTForms forms bound to the request, and the signed-in user's model class.

A form class (a project subclass of `wtforms.Form` or flask-wtf's `FlaskForm`) declares the
fields `form.data` holds and `form.populate_obj(obj)` writes: it shapes client data the way an
input schema does. `FlaskForm()` reads the request by itself; a plain `wtforms.Form` is bound
when it is given request data (`ProfileForm(request.form)`, `formdata=request.form`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Final

from apilint.class_facts import ORM, ClassInfo, ModelFacts
from apilint.project import ProjectIndex, Symbol
from apilint.rules.authz._names import is_user_model
from apilint.rules.inj._sources import form_kind
from apilint.summary import Expr, ModuleSummary

FORM_KIND: Final = "form"
_CALLERS: Final = frozenset({"current_user", "flask_login.current_user", "g.user", "flask.g.user", "g.current_user",
                             "request.user", "self.request.user"})
"""Expressions that are the signed-in account."""
_USER_MIXINS: Final = frozenset({"flask_login.UserMixin", "flask_login.mixins.UserMixin"})

_FORMS: weakref.WeakKeyDictionary[ProjectIndex, dict[str, tuple[ClassInfo, bool] | None]] = \
    weakref.WeakKeyDictionary()
_CALLER: weakref.WeakKeyDictionary[ProjectIndex, list[ClassInfo | None]] = weakref.WeakKeyDictionary()


def bound_form(facts: ModelFacts, mod: ModuleSummary, expr: Expr,
               source: Callable[[Expr], Any]) -> ClassInfo | None:
    """The form class `expr` instantiates when the instance holds request data.

    `source` tells whether an argument is client data (the caller's `RequestData.source`).
    """
    if expr.kind != "call" or expr.func.kind not in ("name", "attr"):
        return None
    func = expr.func
    if func.kind == "attr" and func.text == "from_json":  # wtforms-json: `Form.from_json(request.json)`
        func = func.args[0]
        if func.kind not in ("name", "attr"):
            return None
    qualname = facts.index.qualify_expr(mod, func)
    found = _form(facts, qualname) if qualname else None
    if found is None:
        return None
    form, reads_request = found
    if reads_request:
        return form
    formdata = expr.kwarg("formdata")
    args = [*expr.positional[:1], *([formdata] if formdata is not None else [])]
    return form if any(source(a) is not None or _reads_request(a) for a in args) else None


def _reads_request(expr: Expr) -> bool:
    return any(sub.kind == "name" and sub.text == "request" for sub in expr.walk())


def _form(facts: ModelFacts, qualname: str) -> tuple[ClassInfo, bool] | None:
    """The form class and whether it reads the request by itself (flask-wtf)."""
    index = facts.index
    cache = _FORMS.setdefault(index, {})
    if qualname not in cache:
        symbol = index.lookup(qualname)
        kind = form_kind(index, symbol)
        cache[qualname] = None if symbol is None or symbol.cls is None or kind is None else \
            (ClassInfo(symbol.qualname, FORM_KIND, symbol.module, symbol.cls, _fields(index, symbol)), kind)
    return cache[qualname]


def _fields(index: ProjectIndex, symbol: Symbol) -> tuple[str, ...]:
    """A form's fields: class attributes built by a call (`email = StringField(...)`), bases' too."""
    fields: list[str] = []
    for owner in index.class_chain(symbol):
        assert owner.cls is not None
        for stmt in owner.cls.body:
            if stmt.kind == "assign" and stmt.value is not None and stmt.value.kind == "call":
                fields += [t.text for t in stmt.targets
                           if t.kind == "name" and not t.text.startswith("_") and t.text not in fields]
    return tuple(fields)


def is_caller(expr: Expr) -> bool:
    """True for the signed-in account: `current_user`, `g.user`, `request.user`."""
    return (expr.dotted or "") in _CALLERS


def caller_model(facts: ModelFacts) -> ClassInfo | None:
    """The ORM class of the signed-in account: the one project model that subclasses flask-login's
    `UserMixin`, else the one user-named model (`User`, `Account`); None when that is not one class."""
    index = facts.index
    cached = _CALLER.get(index)
    if cached is not None:
        return cached[0]
    orm = sorted((c for c in facts.classes.values() if c.kind == ORM), key=lambda c: c.qualname)
    mixed = [c for c in orm if _USER_MIXINS & set(_bases(index, c))]
    named = [c for c in orm if is_user_model(c.short)]
    chosen = mixed if mixed else named
    found = chosen[0] if len(chosen) == 1 else None
    _CALLER[index] = [found]
    return found


def _bases(index: ProjectIndex, info: ClassInfo) -> list[str]:
    symbol = index.lookup(info.qualname)
    return index.base_names(symbol) if symbol is not None else []


__all__ = ["FORM_KIND", "bound_form", "caller_model", "is_caller"]
