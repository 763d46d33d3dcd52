"""Which names are object IDs, which expressions stand for the caller, and which models have owners."""

from __future__ import annotations

import re

from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route
from apilint.summary import Expr, FunctionDef, Param, walk_stmts

_REQUEST_NAMES = ("request", "req", "self.request", "flask.request")

_ID_RE = lazy_compile(r"^(id|pk|uuid|guid|[a-z0-9_]+_(id|pk|uuid|guid)|[a-z][a-zA-Z0-9]*(Id|Pk|Uuid))$")
_SLUG_RE = lazy_compile(r"^(slug|[a-z0-9_]+_slug)$")
_USER_WORD = (r"user|me|principal|identity|account|caller|owner|member|actor|requester|requestor|"
              r"subject|claims|token|token_data|token_payload|jwt_payload|credentials|auth|tenant|org|organization|"
              r"workspace|team|session_user")
_USER_RE = lazy_compile(rf"^((current|auth|authenticated|logged_in|logged|active|my|request)_)?({_USER_WORD})"
                      r"(_(obj|data|info|claims|ctx|context|record|model|identity|profile))?$"
                      r"|^current_[a-z_]+$|^[a-z_]*_user$")
_USER_DOTTED = ("request.user", "g.user", "g.current_user", "request.state.user", "info.context.user",
                "self.request.user", "request.auth", "self.request.auth", "current_user", "flask_login.current_user",
                "current_identity", "request.identity")
_USER_CALLS = ("get_jwt_identity", "get_current_user", "current_user", "get_jwt", "get_user", "get_raw_jwt",
               "get_current_user_id", "_get_user")
_OWNER_TOKENS = frozenset({"owner", "user", "author", "creator", "customer", "account", "tenant", "org",
                           "organization", "organisation", "team", "workspace", "member", "buyer", "patient",
                           "uploader", "poster", "submitter", "assignee", "requester", "by"})
_ID_SUFFIX = lazy_compile(r"_(id|pk|uuid|guid)$")
_USER_MODELS = frozenset({"user", "users", "account", "accounts", "profile", "userprofile", "customer", "member",
                          "customuser", "appuser"})
SCALAR_ANNOTATIONS = frozenset({"int", "str", "UUID", "uuid.UUID", "PydanticObjectId", "ObjectId", "UUID4"})


def is_id_name(name: str) -> bool:
    """`id`, `pk`, `uuid`, `order_id`, `orderId` ..."""
    return bool(_ID_RE.match(name))


def is_slug_name(name: str) -> bool:
    """`slug`, `post_slug`: identifies an object, though often a public one."""
    return bool(_SLUG_RE.match(name))


_NOT_KEYS = frozenset({"version", "format", "fmt", "lang", "language", "locale", "action", "type", "kind", "page",
                       "size", "year", "month", "day", "date", "status", "tab", "sort", "order", "mode", "step",
                       "section", "view", "category", "tag", "provider", "backend", "method", "op", "operation"})


def is_key_name(name: str) -> bool:
    """A path parameter that is not an ID but may still pick one object (`username`, `book_title`)."""
    return not is_id_name(name) and not is_slug_name(name) and name.lower() not in _NOT_KEYS


def is_user_name(name: str) -> bool:
    """A variable or parameter that, by its name, holds the caller (`current_user`, `me`, `claims`)."""
    if name.endswith(("_id", "_pk")) and not name.startswith(("current_", "my_", "auth_", "authenticated_",
                                                              "logged_in_", "request_")):
        return False
    return bool(_USER_RE.match(name))


def mentions_user(expr: Expr, user_names: set[str]) -> bool:
    """True when the expression uses the caller: a user name, `request.user`, `get_jwt_identity()`..."""
    for sub in expr.walk():
        if sub.kind == "name" and sub.text in user_names:
            return True
        dotted = sub.dotted
        if dotted is not None and sub.kind == "attr" and any(dotted.endswith(d) for d in _USER_DOTTED):
            return True
        if sub.kind == "name" and sub.text == "current_user":
            return True
        if sub.kind == "attr" and sub.args[0].kind == "name" and sub.args[0].text == "g" and \
                (sub.text in _G_SCOPES or is_user_name(sub.text)):
            return True  # Flask's `g.project`: what the app's own hook or decorator loaded for this caller
        if sub.kind == "call":
            callee = (sub.func.dotted or "").rsplit(".", 1)[-1]
            if callee in _USER_CALLS:
                return True
            # get_pages_queryset(request), visible_for(request): a queryset built from the request
            if _SCOPING_CALL.search(callee) and any(a.kind == "name" and a.text == "request" for a in sub.positional):
                return True
    return False


_G_SCOPES = frozenset({"project", "group", "team", "org", "organization", "organisation", "tenant", "workspace",
                       "account", "space", "company", "household", "site"})
"""Attributes of Flask's `g` that name what an access hook loads for the caller (`g.project`), beside the
caller itself (`g.user`); the rest of `g` holds services and request bookkeeping (`g.audit_object`)."""
_SCOPING_CALL = lazy_compile(r"queryset|for_user|visible|accessible|permitted|allowed|owned|mine|restrict", re.I)


def mentions_any(expr: Expr, names: set[str]) -> bool:
    """True when the expression uses one of the bare names."""
    return any(n in names for n in expr.names())


def user_params(func: FunctionDef, exclude: set[str]) -> set[str]:
    """Parameters that hold the caller (by name), excluding object-ID parameters."""
    return {p.name for p in func.params if p.name not in exclude and is_user_name(p.name)}


_REQUEST_DATA = frozenset({"GET", "POST", "args", "query_params", "values", "form", "data", "json", "get_json",
                           "query"})


def request_ids(func: FunctionDef) -> list[str]:
    """Locals holding an ID read from the request (`report_id = request.GET["report_id"]`,
    `order_id = request.args.get("order_id")`): query-string and form IDs in Flask and Django."""
    out: list[str] = []
    for stmt in walk_stmts(func.body):
        if stmt.kind != "assign" or stmt.value is None or len(stmt.targets) != 1 or stmt.targets[0].kind != "name":
            continue
        value = stmt.value
        while value.kind == "call" and (value.func.dotted or "") in ("int", "str", "uuid.UUID", "UUID") \
                and value.positional:
            value = value.positional[0]
        key: Expr | None = None
        source: Expr | None = None
        if value.kind == "subscript" and len(value.args) == 2:
            source, key = value.args
        elif value.kind == "call" and value.func.kind == "attr" and value.func.text == "get" and value.positional:
            source, key = value.func.args[0], value.positional[0]
        if source is not None and source.kind == "call" and source.func.kind == "attr":
            source = source.func  # request.get_json()["order_id"]
        if key is None or source is None or key.kind != "str" or source.kind != "attr" or \
                source.text not in _REQUEST_DATA or (source.args[0].dotted or "") not in _REQUEST_NAMES:
            continue
        name = stmt.targets[0].text
        if is_id_name(key.text) and is_id_name(name) and name not in out:
            out.append(name)
    return out


def is_scalar_param(param: Param) -> bool:
    """True for a parameter annotated as a plain scalar (a query parameter in FastAPI)."""
    ann = param.annotation
    if ann is None:
        return False
    if ann.kind == "binop":  # int | None
        return any((a.dotted or "") in SCALAR_ANNOTATIONS for a in ann.args)
    if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith(("Optional", "Annotated")):
        return len(ann.args) > 1 and (ann.args[1].dotted or "") in SCALAR_ANNOTATIONS
    return (ann.dotted or "") in SCALAR_ANNOTATIONS


def is_owner_field(name: str) -> bool:
    """A model field that ties the object to a user or tenant (`owner_id`, `user`, `created_by`).
    A `..._by` field counts when a person did what it names (`created_by`, `requested_by`), not
    for what a thing was done by (`identified_by`, `rejected_by`: a parser, a plugin)."""
    parts = _ID_SUFFIX.sub("", name.lower()).split("_")
    if parts[-1] == "by":
        return len(parts) < 2 or parts[-2] in _PERSON_ACTIONS
    return parts[-1] in _OWNER_TOKENS


_PERSON_ACTIONS = frozenset({"created", "owned", "submitted", "uploaded", "posted", "requested", "added",
                             "authored", "assigned", "reported", "opened", "filed", "placed", "made", "issued",
                             "initiated", "invited", "entered", "recorded", "booked", "ordered", "purchased",
                             "paid", "written", "sent", "shared", "claimed", "managed", "updated", "modified",
                             "edited", "changed", "approved", "reviewed", "signed", "raised", "logged"})
"""Actions a person performs, whose `..._by` field names the person (and so the row's owner)."""


def is_user_model(name: str) -> bool:
    """A model that is itself the user (`User`, `Account`, `Profile`)."""
    return name.lower() in _USER_MODELS


_FRAMEWORK_MODELS = ("django.contrib.contenttypes.", "django.contrib.sites.", "django.contrib.auth.models.Group",
                     "django.contrib.auth.models.Permission", "django.contrib.flatpages.", "django.contrib.redirects.")


def is_framework_model(qualname: str | None) -> bool:
    """Framework-provided shared tables (content types, sites, groups, permissions): nobody owns a row."""
    return bool(qualname) and str(qualname).startswith(_FRAMEWORK_MODELS)


_AUTHORED = lazy_compile(r"^(author|creator|created_by|poster|posted_by|uploader|uploaded_by|submitter|writer)(_id)?$")
_PUBLIC_FLAGS = frozenset({"is_public", "public", "published", "is_published", "visibility", "is_private",
                           "private", "is_listed", "published_at"})


def visibility_flags(fields: list[str]) -> frozenset[str]:
    """The model's public/private flag fields (`is_public`, `private`, `visibility`)."""
    return frozenset(f for f in fields if f in _PUBLIC_FLAGS)


def looks_public(fields: list[str]) -> bool:
    """Content meant to be read by others: only author-like owner fields, or a public/published flag."""
    owners = [f for f in fields if is_owner_field(f)]
    if any(f in _PUBLIC_FLAGS for f in fields):
        return True
    return bool(owners) and all(_AUTHORED.match(f.lower()) for f in owners)


def caller_params(route: Route) -> dict[str, str]:
    """Handler parameters one of the route's authentication dependencies fills (whatever their names:
    `account = Depends(check_account_exists)`, `user_project = Depends(ProjectMember())`):
    parameter -> dependency. They hold the caller, or what the dependency checked the caller against."""
    authenticating = {e.name for e in route.auth.evidence if e.status is AuthStatus.REQUIRED}
    return {name: dep for name, dep in route.injected if dep in authenticating}
