"""AUTHZ001: an object loaded by a caller-supplied ID and never checked against the caller (BOLA/IDOR)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from apilint.body_auth import request_body_params
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route
from apilint.project import ProjectIndex, Symbol
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.auth._body import reads_only
from apilint.rules.authz._arms import unscoped_arm
from apilint.rules.authz._body import body_fields, mutates, redirects_within_app
from apilint.rules.authz._classviews import ClassAccess, class_access, model_owner, route_handler
from apilint.rules.authz._fixes import class_view_fix, scope_fix
from apilint.rules.authz._loads import Load, Scan, Scanner
from apilint.rules.authz._names import (
    caller_params,
    is_id_name,
    is_key_name,
    is_owner_field,
    is_scalar_param,
    is_slug_name,
    mentions_user,
    request_ids,
    user_params,
)
from apilint.rules.authz._owned_lists import unscoped_owned_list
from apilint.rules.authz._roles import ordinary_gate, restricting
from apilint.rules.authz.authz002_missing_role_check import unchecked_privileged
from apilint.summary import FunctionDef, ModuleSummary, walk_stmts

_SOCIAL_ACTIONS = lazy_compile(r"/(like|likes|unlike|vote|votes|upvote|downvote|helpful|follow|unfollow|followers|"
                             r"comments?|replies|reply|report|flag|favou?rites?|bookmarks?|star|stars|subscribe|"
                             r"unsubscribe|share|reactions?|rate|ratings|join|apply|enroll|rsvp|public)$",
                             re.IGNORECASE)
"""Actions users take on other people's objects by design (like a post, follow a user)."""
_LINK_FLOWS = lazy_compile(r"/(invitations?|invites?|accept[-_]invite|accept[-_]invitation|magic[-_]link|recover|"
                         r"recovery|password[-_]reset|reset[-_]password|forgot[-_]password)(/|$)", re.IGNORECASE)
"""Flows whose link is the authorization (an invitation or recovery link sent to its addressee)."""
_PLUMBING = frozenset({"db", "session", "database", "conn", "connection", "request", "response", "background_tasks",
                       "settings", "redis", "cache", "mongo", "client", "self", "cls", "repo", "repository",
                       "uow", "service", "pagination", "params", "skip", "limit", "offset", "page"})
"""Handler parameters that never hold the loaded object."""
_NOT_BODY_KEYS = lazy_compile(r"pass(word)?|secret|token|otp|code$|amount|quantity|qty|price|count|total|note|"
                            r"comment|message|text|content|description|body|reason|query|search|q$",
                            re.IGNORECASE)
"""Body fields that carry values, not keys that pick an object."""
_FRAMEWORK_REQUEST = lazy_compile(r"(^|\.)(Http|WSGI|ASGI|Django|Ninja)?Request$")


def _annotation(func: FunctionDef, name: str) -> str:
    param = func.param(name)
    return (param.annotation.dotted or "") if param is not None and param.annotation is not None else ""
SILENCING_AUTHZ = frozenset({"role", "object_permission", "ownership", "permission", "permission_class",
                             "superuser", "staff"})
"""Route.authz evidence kinds that restrict who may reach the object."""


class MissingObjectOwnershipCheck(Rule):
    """
    ## What it finds
    Authenticated routes that take an object ID from the caller (a path parameter such as
    `id`, `pk`, `uuid` or `*_id`, an ID query parameter, or an ID read from the request such
    as `request.args.get("order_id")` / `request.GET["report_id"]`, also inline
    (`Order.query.get(request.json["order_id"])`), through a local holding the body
    (`data = request.get_json()`) or as a field of a body model parameter
    (`payload.account_id` where `payload: TransferIn`)), load the object with it, and never
    restrict it to the caller. Loads recognised: SQLAlchemy/SQLModel
    `session.get(Model, id)`, `db.query(Model).filter(Model.id == id)`,
    `select(Model).where(...)`, Flask-SQLAlchemy `Model.query.get_or_404(id)` and
    `db.get_or_404(Model, id)`, Django `Model.objects.get(pk=...)` and
    `get_object_or_404(Model, ...)`, Tortoise, ormar, Beanie and Peewee `Model.get(...)`,
    Mongo `find_one({"_id": ...})`, in-memory stores (`USERS[user_id]`, `ITEMS.get(item_id)` on
    a module-level dict of records; `.get(id)` or `[id]` on a store named like a collection
    (`orders`, `db.orders_by_id`, behind a backend object or a module `__getattr__`) or annotated
    `dict[int, Order]`; a comprehension keeping the records whose ID field is the ID,
    `[a for a in store.addresses if a.user_id == user_id]`, the last two only in handlers that
    have the caller at hand, and with low confidence when only the store's name says it holds
    records and the path names no owner such as `/users/{user_id}/...`), also through project
    functions one or two calls deep
    (`crud.get_item(db, item_id)`, a repository method) and through dependencies that receive
    the ID. Other path parameters that pick one object by a natural key (`/books/{title}`,
    `/users/{username}/password`) count too, with medium confidence, for owned objects and
    for changes; reads of user profiles by such a key are public by design and skipped. A
    natural key from the request body (`body.username` in `PUT /profile`) counts only when
    the loaded object is then changed or deleted (an attribute set, `setattr`, `.delete()`,
    `session.delete(obj)`, or a loading helper named `update_*`/`delete_*`), never for an
    existence check; body parameters are client data even when named like the caller (`user`).

    Lists count too when the module shows the rows are per user: a read handler that never
    uses the caller and serves a many-row query of an owned model (`Todo.objects.all()`,
    `db.query(Doc).all()`), while another function of the module matches that model's owner
    field with the caller (`get_object_or_404(Todo, pk=pk, user=request.user)`,
    `Doc.owner_id == user.id`) and none queries it without the caller. A model that no view
    scopes, or that another view reads without the caller (a catalogue everyone browses and
    only owners edit), may be shared by design and is not reported.

    Not reported when something ties the object to the caller: the same query also uses the caller
    (`Item.owner_id == current_user.id`, `user=request.user`, `get_object_or_404(Item, pk=pk,
    owner=request.user)`) or what an authentication dependency returned for the caller (`_, project
    = Depends(ProjectMember())` then `Run.project_id == project.id`) or the caller's project, group,
    team or tenant loaded into Flask's `g` by the app's own hook or decorator
    (`filter_by(group_id=g.group.id, id=member_id)`),
    or a parent ID that a dependency checked the caller against (`Doc.workspace_id == workspace_id`
    behind a workspace-membership dependency); the loaded object's owner or the ID is compared with
    the caller (not with another ID the client sent: `order.user_id != user_id` for a path's
    `user_id` ties the order to the user the caller named; nor a membership or count test, `if
    order_id not in ORDERS`, `if len(cards) <= 1`) and the handler leaves (raise, abort, a
    401/403/404 answer such as `HTTPStatus.FORBIDDEN`, DRF's `permission_denied`, or a redirect with
    an error message); a secret only the object's addressee holds is verified against it
    (`check_token(user, token)`, `compare_digest(obj.token, token)`); an ownership or permission
    helper is called (`check_owner(item, user)`, `user.has_perm(perm, obj)`, django-guardian's
    `get_objects_for_user`, names in `ownership.helpers`), also one or two calls deep, in the
    handler's own module or in a method of its view; a class-based view's `get_queryset` (or a
    method of the view it calls) filters by the caller, or is a relation of a parent the view loaded
    (`self.project.documents.all()`); the route carries role or object-permission evidence (DRF
    `has_object_permission`, `IsAdminUser`, an admin-only dependency, decorator or `before_request`
    hook whose body checks the role, but not a role check that admits every ordinary account, such
    as `RoleChecker([Role.CUSTOMER])` or `require_roles("user")`: it tells customers from staff, not
    one customer from another); or a dependency that receives the ID does the check. Reads whose
    authentication is optional are public by design and not reported, nor are actions people take on
    other people's objects by design (`/posts/{id}/like`, `/vote`, `/follow`, `/comments`,
    `/report`, `/bookmark`), links that are their own authorization (`/invitations/{id}/accept`,
    password recovery), and reads that only redirect to another page of the app
    (`redirect(reverse(...))`), which checks its own access. Objects whose model has no owner-like
    field (`owner`, `user_id`, `created_by`, `tenant_id`...; a `..._by` field only when a person
    did what it names, not `identified_by` or `rejected_by`) and no foreign key to a model that has
    one are shared data and not reported, nor are project classes with no data-model base (an
    in-memory session registry's `get_by_id`: the method is followed instead); a comparison of the
    ID with anything else that answers 403 counts as a check. Unauthenticated routes are AUTH001's.

    A check in one branch does not cover the other: when an `if`/`else` loads the object
    restricted to the caller in one branch and unrestricted in the other (`if
    settings.LEGACY_LINKS:` / `if request.args.get("strict") == "false":` / a module flag), the
    unrestricted branch is reported, unless the condition is about the caller's standing
    (`if user.is_admin:`, a role, a permission) or that branch is limited to public objects
    (`filter_by(title=title, is_public=True)`).

    Confidence is high when the model has an owner field, medium when the model cannot be
    read, low when the object is a user profile read, the ID is a slug, a read concerns
    content others may see (only author-like owner fields such as `author_id`, or a
    `published`/`is_public` flag), or the model cannot be read and the handler never looks at
    the caller (data every member of a workspace shares, most often). A view of every method
    whose body only reads is judged as a read.

    ## Why it matters
    Any logged-in user can read, change or delete other users' objects by changing the number
    in the URL: the most common API vulnerability (CWE-639 Authorization Bypass Through
    User-Controlled Key, OWASP API1:2023 Broken Object Level Authorization).

    ## Options
    - `ownership.helpers`: function names that check the caller owns an object.

    ## Known limitations
    Ownership enforced by row-level security in the database, by a query scoped elsewhere
    (a tenant-bound session) or by a helper whose name says nothing about ownership is not
    seen; list such helpers in `ownership.helpers`. AUTHZ002 reports privileged routes
    (`DELETE /users/{user_id}`); this rule skips them so that one missing check is reported
    once. Body fields are recognised only when read by a literal key or attribute name in the
    handler itself (not a body passed whole to a service that reads the ID), and body models
    only when their class name says so (`...Create`, `...Update`, `...In`, `...Payload`).
    Changes to shared models with no owner field (`DELETE /menu/{item_id}` by any logged-in
    user) are a role question, not an ownership one: AUTHZ002 reports them when the other
    changes to the resource require a role.

    ## References
    - https://cwe.mitre.org/data/definitions/639.html
    - https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
    """

    code = "AUTHZ001"
    name = "missing-object-ownership-check"
    summary = "Object loaded by a caller-supplied ID without checking that it belongs to the caller"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (639, 285)
    owasp = ("API1:2023",)
    options = ("ownership.helpers",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.UNSAFE})
    fix_note = ("Ties the object to the caller: a Django lookup gets `owner=request.user`, a SQLAlchemy "
                "`filter_by()` gets `owner_id=...` and `filter()`/`where()` gets `Order.owner_id == ...`; any "
                "other load gets its existence check extended (`if order is None or order.owner_id != "
                "current_user.id:`) or a check answering 404 after it. The caller is written as the module "
                "already writes it (`int(get_jwt_identity())`, `g.user.id`), else from the handler's caller "
                "parameter, `request.user` or Flask-Login's `current_user`. A generic class-based view over a "
                "plain `queryset` gets a `get_queryset()` filtered by the user foreign key. Offered when the "
                "load is in the "
                "handler, the model has one owner field and the caller is known. Unsafe: callers lose access "
                "to objects they do not own, which a shared-object design may need.")

    bad = Example(_BAD := """
        from fastapi import Depends, FastAPI
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

        from deps import get_db, get_user


        class Base(DeclarativeBase):
            pass


        class Invoice(Base):
            __tablename__ = "invoices"
            id: Mapped[int] = mapped_column(primary_key=True)
            owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


        app = FastAPI()


        @app.get("/invoices/{invoice_id}")
        def read_invoice(invoice_id: int, db: Session = Depends(get_db), user=Depends(get_user)):  # expect: AUTHZ001
            invoice = db.get(Invoice, invoice_id)
            return {"id": invoice.id}
    """, files=(("deps.py", '''
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        def get_db():
            yield None


        def get_user(token: str = Depends(oauth2_scheme)) -> dict:
            if not token:
                raise HTTPException(status_code=401)
            return {"id": 1}
    '''),))

    good = Example(_BAD.replace("  # expect: AUTHZ001", "").replace(
        "            return {",
        "            if invoice is None or invoice.owner_id != user.id:\n"
        "                raise HTTPException(status_code=404)\n"
        "            return {").replace("from fastapi import Depends, FastAPI",
                                            "from fastapi import Depends, FastAPI, HTTPException"),
        files=bad.files)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report authenticated routes that load an owned object by ID without a caller check."""
        scanner = Scanner(ctx.index, ctx.config.ownership_helpers)
        for route in ctx.routes:
            if route.auth.status not in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL):
                continue
            if route.auth.status is AuthStatus.OPTIONAL and not route.is_unsafe:
                continue  # a read open to anonymous callers is public by design
            if _SOCIAL_ACTIONS.search(route.path.rstrip("/")) or _link_flow(route.path):
                continue
            if any(e.kind in SILENCING_AUTHZ for e in restricting(route.authz)):
                continue  # a role or object permission restricts who reaches it
            handler, mod = route_handler(ctx, route), ctx.module_of(route)
            if mod is None or unchecked_privileged(route, ctx) is not None:
                continue
            # a view of every method whose body only reads is judged as a read
            judged = replace(route, method="GET") if route.method == "ANY" and reads_only(handler) else route
            if handler is not None and not judged.is_unsafe and redirects_within_app(handler):
                continue  # serves no object data: the page it redirects to checks its own access
            access = class_access(ctx.index, route, handler)
            if access is not None:
                found = _class_view(ctx, judged, access)
            elif handler is not None:
                found = _scan_route(scanner, ctx, judged, handler, mod)
            else:
                continue
            if found is None:
                if access is None and handler is not None and not route.path_params and not judged.is_unsafe:
                    yield from self._owned_list(scanner, route, handler, mod)
                continue
            load, confidence = found
            if access is not None:
                fix_plan = class_view_fix(ctx, route, access)
            else:
                fix_plan = scope_fix(ctx, route, handler, mod, load) if handler is not None else None
            if restricting(route.authz):
                confidence = Confidence.LOW
            what = load.model or "an object"
            via = f" through `{load.via}`" if load.via else ""
            where = f"{load.file}:{load.line}" if load.file else f"line {load.line}"
            source = "" if load.param in route.path_params else " from the request"
            gates = [e for e in route.authz if ordinary_gate(e)]
            gate = f"; its role check (`{gates[0].name.rsplit('.', 1)[-1]}`) admits every ordinary account" \
                if gates else ""
            yield self.finding(
                route,
                f"{route.display} loads {what} by `{load.param}`{source}{via} ({where}: {load.call}) and never "
                f"checks that it belongs to the caller{gate}",
                f"Restrict the load to the caller (e.g. filter by `owner_id == current_user.id`) or compare "
                f"the {what}'s owner with the caller and return 404 when they differ",
                confidence=confidence,
                fix_plan=fix_plan,
            )

    def _owned_list(self, scanner: Scanner, route: Route, handler: FunctionDef,
                    mod: ModuleSummary) -> Iterator[Finding]:
        """A list of an owned model served unfiltered by a handler that never uses the caller, while
        the module's other views scope the same model to the caller."""
        users = user_params(handler, set()) | set(caller_params(route))
        listed = unscoped_owned_list(scanner, mod, handler, users)
        if listed is None:
            return
        example = f"{listed.model}.objects.filter({listed.owner_field}=request.user)" if ".objects" in listed.call \
            else f"select({listed.model}).where({listed.model}.{listed.owner_field} == current_user.id)"
        yield self.finding(
            route,
            f"{route.display} lists every {listed.model} (line {listed.line}: {listed.call}) to any logged-in "
            f"user and never restricts the rows to the caller, though {listed.model} has an owner field "
            f"(`{listed.owner_field}`) and {listed.scoped_by} restricts it to the caller",
            f"Filter the list by the caller (e.g. `{example}`)",
        )


def _class_view(ctx: RuleContext, route: Route, access: ClassAccess) -> tuple[Load, Confidence] | None:
    """A generic detail view whose queryset is not restricted to the caller."""
    params = [p for p in route.path_params if is_id_name(p) or is_slug_name(p)]
    if access.owned or not params:
        return None
    name, owned_model, user_model, public = model_owner(ctx.index, access)
    load = Load(route.location.line, params[-1], f"self.get_object() over an unfiltered {access.source}", name,
                owned_model, user_model, public_content=public)
    confidence = _confidence(route, load, from_query=False)
    return (load, confidence) if confidence is not None else None


def _scan_route(scanner: Scanner, ctx: RuleContext, route: Route, handler: FunctionDef,
                mod: ModuleSummary) -> tuple[Load, Confidence] | None:
    """The first unchecked load of an owned object and its confidence, or None."""
    path_ids = [p for p in route.path_params if is_id_name(p) or is_slug_name(p)]
    query_ids = [p.name for p in handler.params
                 if p.name not in route.path_params and is_id_name(p.name) and is_scalar_param(p)]
    query_ids += [n for n in request_ids(handler) if n not in query_ids and n not in route.path_params]
    path_keys = [p for p in route.path_params if is_key_name(p)]
    client = {name for name in request_body_params(handler)
              if name not in _PLUMBING and not _FRAMEWORK_REQUEST.search(_annotation(handler, name))}
    body = body_fields(handler, client)
    body_keys: list[str] = []
    if body is not None:
        known = set(path_ids + query_ids + path_keys) | set(route.path_params)
        query_ids += [f for f in body.fields if f not in known and is_id_name(f)]
        if route.is_unsafe:
            body_keys = [f for f in body.fields if f not in known and not is_id_name(f) and is_key_name(f)
                         and not _NOT_BODY_KEYS.search(f)]
    if not path_ids and not query_ids and not path_keys and not body_keys:
        return None
    scanned = body.func if body is not None else handler
    taint = {name: name for name in path_ids + query_ids + path_keys + body_keys}
    users = user_params(handler, set(taint) | client) | _caller_context(scanner, ctx, route, handler, mod, taint)
    loaded = {p.name for p in handler.params
              if p.name not in taint and p.name not in users and p.name not in _PLUMBING and p.name not in client}
    scans: list[Scan] = []
    checked: set[str] = set()
    for dep_name in route.dependencies:
        dep = _callable(ctx.index, ctx.index.lookup(dep_name))
        if dep is None or dep.func is None or dep.func is handler:
            continue
        dep_taint = {p.name: p.name for p in dep.func.params if p.name in taint}
        if dep_taint:
            dep_scan = scanner.scan(dep.module, dep.func, dep_taint, user_params(dep.func, set(dep_taint)))
            if dep_scan.owned:
                checked.update(dep_taint)
            else:
                scans.append(Scan([replace(ld, via=dep_name.rsplit(".", 1)[-1], file=dep.module.path)
                                   for ld in dep_scan.loads]))
    # an ID a dependency checked the caller against (the workspace the caller is a member of) scopes
    # the handler's queries like the caller does; the handler's other IDs stay to be checked
    handler_taint = {k: v for k, v in taint.items() if k not in checked}
    handler_scan = scanner.scan(mod, scanned, handler_taint, users | checked, loaded)
    if handler_scan.owned:
        arm = unscoped_arm(scanner, mod, scanned, handler_taint, users | checked, loaded)
        if arm is None:
            return None
        branch = f"if {arm.test.value.render(40)}" if arm.test.value is not None else "a branch"
        handler_scan = Scan([replace(ld, call=f"{ld.call}, under `{branch}` while the other branch restricts it "
                                              "to the caller") for ld in arm.scan.loads])
    best: tuple[Load, Confidence] | None = None
    for scan in [handler_scan, *scans]:
        for load in scan.loads:
            if load.flags and not route.is_unsafe and not load.file and _reads_any(scanned, load.flags, load.line):
                continue  # `filter(Note.owner_id == uid, Note.private.is_(False))`: only rows meant for others
            # a model with a public/private flag the handler never reads: the private rows come back too
            unread_flag = load.public_content and bool(load.flags) and not route.is_unsafe and \
                not _reads_any(scanned, load.flags)
            if unread_flag:
                load = replace(load, public_content=False, call=f"{load.call}, whatever its "
                               f"`{sorted(load.flags)[0]}` flag says")
            if load.param in body_keys:
                # a natural key from the body (`body.username`): only a load that is then changed
                # (`PUT /profile` updating whichever user the body names), never an existence check
                if load.file or not mutates(scanned, load.line):
                    continue
                confidence = _key_confidence(route, load)
            elif load.param in path_keys:
                confidence = _key_confidence(route, load)
            else:
                confidence = _confidence(route, load, load.param in query_ids)
            if load.guessed and not _sees_caller(handler, users):
                continue  # a lookup recognised by its shape alone, in a handler that never asks who calls
            if load.guessed and load.owned_model is None and not load.user_model and confidence is not None \
                    and not any(is_owner_field(p) for p in route.path_params):
                confidence = Confidence.LOW  # a store known by its name only, outside a user's own path
            if confidence is not None and not load.model_read and not load.user_model and \
                    not _sees_caller(handler, users):
                confidence = Confidence.LOW  # unknown model, caller never consulted: likely shared data
            if confidence is Confidence.HIGH and unread_flag:
                confidence = Confidence.MEDIUM  # some rows are meant for others to read
            if confidence is Confidence.HIGH and not load.model_read:
                confidence = Confidence.MEDIUM  # an owner field seen in a lookup, not in a model apilint read
            if confidence is not None and (best is None or (_RANK[confidence], not load.user_model) >
                                           (_RANK[best[1]], not best[0].user_model)):
                best = (load, confidence)  # the strongest load speaks for the route (a profile read is weaker)
    return best


_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


def _reads_any(func: FunctionDef, names: frozenset[str], line: int = 0) -> bool:
    """True when the function (the statement at `line`, when given) reads one of the fields:
    `note.private`, `filter_by(private=False)`, `"private"`."""
    for stmt in walk_stmts(func.body):
        if line and stmt.line != line:
            continue
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if (sub.kind in ("attr", "str") and sub.text in names) or (
                        sub.kind == "call" and any(kw.name in names for kw in sub.keywords)):
                    return True
    return False


def _sees_caller(handler: FunctionDef, users: set[str]) -> bool:
    """True when the handler has the caller at hand (a caller parameter, `request.user`...): one that
    never looks at who calls serves every authenticated user the same objects."""
    return bool(users) or any(mentions_user(e, set()) for stmt in walk_stmts(handler.body) for e in stmt.own_exprs())


def _link_flow(path: str) -> bool:
    """An invitation or recovery link (`/invitations/{id}/accept`), the flow word before any
    parameter: `/users/{user_id}/reset-password` names someone else's account instead."""
    match = _LINK_FLOWS.search(path)
    return match is not None and "{" not in path[:match.start()]


def _callable(index: ProjectIndex, symbol: Symbol | None) -> Symbol | None:
    """A dependency's function: the function itself, or the `__call__` of a dependency class."""
    if symbol is None or symbol.func is not None or symbol.cls is None:
        return symbol
    return index.find_method(symbol, "__call__")


def _caller_context(scanner: Scanner, ctx: RuleContext, route: Route, handler: FunctionDef, mod: ModuleSummary,
                    taint: dict[str, str]) -> set[str]:
    """Handler parameters filled by one of the route's authentication dependencies: the caller, or
    what the dependency checked the caller against (`user_project = Depends(ProjectMember())` returns
    the project the caller is a member of), so a query scoped by it is scoped to the caller.

    A dependency that receives an object ID and loads it unchecked is no such evidence."""
    out: set[str] = set()
    for name, dep_name in caller_params(route).items():
        if name in taint:
            continue
        dep = _callable(ctx.index, ctx.index.lookup(dep_name))
        if dep is not None and dep.func is not None:
            dep_taint = {p.name: p.name for p in dep.func.params if p.name in taint}
            if dep_taint:
                scan = scanner.scan(dep.module, dep.func, dep_taint, user_params(dep.func, set(dep_taint)))
                if scan.loads and not scan.owned:
                    continue
        out.add(name)
    return out


def _confidence(route: Route, load: Load, from_query: bool) -> Confidence | None:
    if load.user_model:
        confidence = Confidence.MEDIUM if route.is_unsafe else Confidence.LOW
    elif load.owned_model is False:
        return None  # shared data (a product, a category): no owner to check
    else:
        confidence = Confidence.HIGH if load.owned_model else Confidence.MEDIUM
    if is_slug_name(load.param) or (load.public_content and not route.is_unsafe):
        confidence = Confidence.LOW
    elif from_query and confidence is Confidence.HIGH:
        confidence = Confidence.MEDIUM
    return confidence


def _key_confidence(route: Route, load: Load) -> Confidence | None:
    """A load by a natural key (`/users/{username}`, `/books/{title}`): profile and content reads are
    often public by design, so only owned objects, and changes, are reported."""
    if load.user_model:
        return Confidence.MEDIUM if route.is_unsafe else None
    if load.owned_model is False or (load.public_content and not route.is_unsafe):
        return None
    if load.owned_model:
        return Confidence.MEDIUM
    return Confidence.LOW if route.is_unsafe else None
