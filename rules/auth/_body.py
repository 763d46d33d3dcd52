"""What a handler body does, as the AUTH rules need it: writes, and rejections of anonymous callers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.body_auth import guarded_rejections
from apilint.lazy_regex import lazy_compile
from apilint.summary import Expr, FunctionDef, Stmt, walk_exprs, walk_stmts

WRITE_METHODS = frozenset({
    "add", "add_all", "commit", "delete", "save", "update", "create", "insert", "insert_one",
    "insert_many", "update_one", "update_many", "delete_one", "delete_many", "replace_one",
    "find_one_and_update", "find_one_and_delete", "find_one_and_replace", "bulk_create", "bulk_update",
    "get_or_create", "update_or_create", "merge", "remove", "destroy", "set", "hset", "incr", "lpush",
    "rpush", "sadd", "zadd", "put_item", "delete_item", "update_item",
})


def first_write(func: FunctionDef, method: str = "") -> tuple[int, Expr] | None:
    """(line, call) of the first call in the body that writes (`db.add`, `.save()`, `.delete()`...);
    with `method`, branches on `request.method` that another method takes are skipped."""
    for stmt in _reachable(func.body, method.upper()):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text in WRITE_METHODS:
                    receiver = call.func.args[0]
                    if receiver.kind == "name" and receiver.text in ("dict", "os", "self", "cls"):
                        continue
                    return stmt.line, call
    return None


def _reachable(body: tuple[Stmt, ...], method: str) -> Iterator[Stmt]:
    """The statements of `body` a request of `method` can run, judging only tests on `request.method`."""
    for stmt in body:
        yield stmt
        if stmt.func is not None or stmt.cls is not None:
            continue
        taken = _method_test(stmt.value, method) if stmt.kind == "if" and method else None
        if taken is not False:
            yield from _reachable(stmt.body, method)
        yield from _reachable(stmt.handlers, method)
        if taken is not True:
            yield from _reachable(stmt.orelse, method)
        yield from _reachable(stmt.finalbody, method)


def _method_test(test: Expr | None, method: str) -> bool | None:
    """The value of `request.method == "POST"` / `request.method in ("PUT", "PATCH")` for `method`."""
    if test is None or test.kind != "compare" or len(test.args) != 2 or method == "ANY":
        return None
    left, right = test.args
    if not (left.dotted or "").endswith(".method"):
        return None
    values = [e.text.upper() for e in (right.args if right.kind in ("tuple", "list", "set") else (right,))
              if e.kind == "str"]
    if not values:
        return None
    op = test.text.strip()
    if op in ("==", "in"):
        return method in values
    if op in ("!=", "not in"):
        return method not in values
    return None


def rejects_anonymous(func: FunctionDef) -> bool:
    """True when the body rejects (401/403) a missing user: `if user is None: raise ...`."""
    names = {p.name for p in func.params}
    for guard, _reject in guarded_rejections(func.body):
        test = guard.value
        if guard.kind != "if" or test is None:
            continue
        for sub in test.walk():
            if sub.kind == "unary" and sub.text == "not" and _names_param(sub.args[0], names):
                return True
            if sub.kind == "compare" and sub.text.startswith("is") and len(sub.args) == 2:
                left, right = sub.args
                if right.is_none and sub.text == "is" and _names_param(left, names):
                    return True
            if sub.kind == "attr" and sub.text in ("is_anonymous", "is_authenticated") and \
                    _names_param(sub.args[0], names | {"request", "current_user", "g"}):
                return True
    return False


def _names_param(expr: Expr, names: set[str]) -> bool:
    dotted = expr.dotted or ""
    return dotted.split(".")[0] in names or dotted in ("request.user", "g.user", "current_user")


_REDIRECTS = frozenset({"redirect", "RedirectResponse", "HttpResponseRedirect", "HttpResponsePermanentRedirect",
                        "redirect_to_url", "PermanentRedirect"})
_URL_BUILDERS = frozenset({"url_for", "reverse", "reverse_lazy", "URL", "str", "replace", "format", "join",
                           "quote", "urlencode", "urljoin", "get", "url_path_for", "include_query_params",
                           "replace_query_params", "rstrip", "lstrip", "strip", "endswith", "startswith"})
"""Calls a redirect-only handler may make to build the target URL (nothing that reads or writes data)."""


def redirects_only(func: FunctionDef | None) -> bool:
    """True when every return of the handler is a redirect and the body only builds the target URL
    (`return RedirectResponse(url.replace(path=url.path + "/"))`): it serves no data and changes nothing."""
    if func is None:
        return False
    returns = 0
    for stmt in walk_stmts(func.body):
        if stmt.func is not None or stmt.cls is not None:
            return False
        for expr in stmt.own_exprs():
            for call in expr.calls():
                callee = call.func
                short = callee.last_name
                if short not in _REDIRECTS and short not in _URL_BUILDERS:
                    return False
        if stmt.kind == "return":
            value = stmt.value
            if value is None or value.kind != "call" or value.func.kind not in ("name", "attr") or \
                    value.func.text not in _REDIRECTS:
                return False
            returns += 1
    return returns > 0


_COOKIE_CALLS = frozenset({"set_cookie", "delete_cookie"})
_RESPONSE_CALLS = frozenset({"make_response", "Response", "jsonify", "JSONResponse", "HttpResponse", "JsonResponse",
                             "dumps", "b64encode", "urlsafe_b64encode", "encode", "decode", "lower", "upper"})
"""Calls a preference toggle makes to build its answer and the cookie's value."""


def cookie_only(func: FunctionDef | None) -> str | None:
    """The cookie a handler sets, when setting cookies on its own answer is all it does
    (`/theme`, `/language/<code>`: a client preference, stored by the client): it reads no stored
    data, changes nothing on the server and does not touch the session."""
    if func is None:
        return None
    cookie: str | None = None
    for stmt in walk_stmts(func.body):
        if stmt.func is not None or stmt.cls is not None:
            return None
        for target in stmt.targets if stmt.kind in ("assign", "augassign", "annassign") else ():
            if any(sub.kind == "name" and sub.text == "session" for sub in target.walk()):
                return None  # the signed session decides who the caller is
        for expr in stmt.own_exprs():
            for call in expr.calls():
                callee = call.func
                short = callee.last_name
                if short in _COOKIE_CALLS:
                    first = call.arg(0, "key")
                    cookie = cookie or (first.text if first is not None and first.kind == "str" else short)
                elif short not in _REDIRECTS and short not in _URL_BUILDERS and short not in _RESPONSE_CALLS \
                        and short not in _TEMPLATE_CALLS:
                    return None
    return cookie


_WRITE_WORDS = frozenset({
    "post", "body", "files", "data", "json", "form", "save", "delete", "create", "update", "bulk_create",
    "bulk_update", "get_or_create", "update_or_create", "add", "remove", "set", "clear", "commit", "execute",
    "send", "send_mail", "method", "put", "patch", "login", "logout",
})
"""Attribute and call names that show a view reading a submitted body or changing something."""


def reads_only(handler: FunctionDef | None) -> bool:
    """True for a handler of every method (`ANY`, e.g. a Django function view) whose body only
    reads: it never looks at the submitted body or the method, and calls nothing that writes."""
    if handler is None:
        return False
    for _, expr in walk_exprs(handler.body, into_defs=True):
        if expr.kind == "attr" and expr.text.lower() in _WRITE_WORDS:
            return False
        if expr.kind == "name" and expr.text.lower() in ("save", "delete", "create", "update", "execute"):
            return False
    return True


_SIGNATURE_CHECKS = lazy_compile(r"^(construct_event|verify_signature|validate_signature|check_signature|"
                               r"verify_webhook\w*|validate_webhook\w*|verify_request_signature|is_valid_signature|"
                               r"compare_digest|constant_time_compare)$")
"""Calls that authenticate a webhook by its signature (Stripe's `Webhook.construct_event`, an HMAC compare)."""


def verifies_signature(func: FunctionDef | None) -> bool:
    """True when the handler authenticates the sender by a signature over the request
    (`stripe.Webhook.construct_event(payload, request.headers["stripe-signature"], secret)`,
    `hmac.compare_digest(expected, received)`): a webhook whose caller is a service, not a user."""
    if func is None:
        return False
    for _, expr in walk_exprs(func.body):
        if expr.kind == "call" and expr.func.kind in ("name", "attr") and _SIGNATURE_CHECKS.match(expr.func.text):
            return True
    return False


def public_by_handler(func: FunctionDef | None, method: str = "") -> bool:
    """True when what the handler does makes it public by design: it only redirects, checks a
    webhook signature itself, exchanges a password sent by the client for a key or token, or (read
    with `method` GET or HEAD) answers a fixed status."""
    return redirects_only(func) or verifies_signature(func) or exchanges_password(func) or \
        (method in ("GET", "HEAD") and answers_status(func))


_STATUS_KEYS = frozenset({"status", "ok", "healthy", "health", "alive", "ready", "ping", "pong"})


def answers_status(func: FunctionDef | None) -> bool:
    """True when all the handler does is answer a fixed status (`return {"status": True}`): a probe
    that reads nothing and changes nothing. (A stub answering `[]` or `"pong"` may stand for an
    endpoint still to be written, and is judged as one.)"""
    if func is None:
        return False
    body = _without_docstring(func.body)
    if len(body) != 1 or body[0].kind != "return" or body[0].value is None or body[0].value.kind != "dict":
        return False
    value = body[0].value
    return bool(value.args) and all(
        key.kind == "str" and key.text.lower() in _STATUS_KEYS and item.kind in ("str", "num", "const")
        for key, item in zip(value.args[::2], value.args[1::2], strict=False))


_PASSWORD_KEYS = frozenset({"password", "passwd", "pwd", "passphrase"})
_CHANGED_PASSWORD = ("old_", "current_", "new_", "confirm", "repeat", "verify", "retype")
"""How the fields of a password change begin: checking one of them signs no one in."""


def exchanges_password(func: FunctionDef | None) -> bool:
    """True for a credential exchange under any name (`POST /api/key`, `/session`): the handler hands
    a password read from the request to a call (`key = keygen(data["username"], data["password"])`)
    and turns the caller away when that call fails (`if not key: return ..., 403`). Such an endpoint
    is where callers become authenticated; a password change or an account created by an
    administrator rejects nobody on the outcome of the call."""
    if func is None:
        return False
    held = _password_names(func)
    if _compares_then_signs_in(func, held):
        return True
    outcomes: set[str] = set()
    for stmt in walk_stmts(func.body):
        if stmt.kind != "assign" or stmt.value is None or len(stmt.targets) != 1 or stmt.targets[0].kind != "name":
            continue
        for call in stmt.value.calls():
            if any(_is_password(arg, held) for arg in call.arguments):
                outcomes.add(stmt.targets[0].text)
    if not outcomes:
        return False
    return any(guard.value is not None and outcomes & set(guard.value.names())
               for guard, _reject in guarded_rejections(func.body))


_SIGN_IN_CALLS = frozenset({"set_cookie", "set_signed_cookie", "login", "login_user", "create_access_token"})


def _compares_then_signs_in(func: FunctionDef, held: set[str]) -> bool:
    """`if request.POST.get("password") == ...:` or `if check_password_hash(stored, form.password.data):`
    whose branch sets a cookie, logs the user in, issues a token or marks the session: a login form,
    whatever its path is called."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        if not any(sub.kind in ("compare", "call") and any(_is_password(a, held) for a in _operands(sub))
                   for sub in stmt.value.walk()):
            continue
        for inner in walk_stmts(stmt.body):
            for expr in inner.own_exprs():
                if any((c.func.kind in ("name", "attr") and c.func.text in _SIGN_IN_CALLS) or
                       c.func.dotted == "jwt.encode" or any(_is_session(a) for a in c.positional)
                       for c in expr.calls()):
                    return True
            if inner.kind == "assign" and any(t.kind == "subscript" and t.args and _is_session(t.args[0])
                                              for t in inner.targets):
                return True
    return False


def _operands(expr: Expr) -> tuple[Expr, ...]:
    """What a comparison compares, or what a call is given."""
    if expr.kind == "call":
        return expr.arguments
    return expr.args


def _is_session(expr: Expr) -> bool:
    """Flask's `session`, `request.session`: where a login is kept (`set_claim(session, "admin")`)."""
    return (expr.dotted or "").endswith("session")


def _password_names(func: FunctionDef) -> set[str]:
    """Local names assigned a password read from the request (`password = request.form.get("password")`)."""
    out: set[str] = set()
    for stmt in walk_stmts(func.body):
        if stmt.kind == "assign" and stmt.value is not None and _is_password(stmt.value, set()):
            out.update(t.text for t in stmt.targets if t.kind == "name")
    return out


def _is_password(expr: Expr, held: set[str]) -> bool:
    """`data["password"]`, `form.get("password")`, `body.password`, or a name holding one of them."""
    if expr.kind == "name":
        return expr.text in held
    if expr.kind == "subscript":
        return len(expr.args) > 1 and expr.args[1].kind == "str" and expr.args[1].text.lower() in _PASSWORD_KEYS
    if expr.kind == "call":
        key = expr.arg(0, "key")
        return expr.func.kind == "attr" and expr.func.text == "get" and key is not None and key.kind == "str" \
            and key.text.lower() in _PASSWORD_KEYS
    if expr.kind == "attr" and expr.text == "data" and expr.args[0].kind == "attr":
        field = expr.args[0].text.lower()  # a form field's value: `form.admin_password.data`
        return field in _PASSWORD_KEYS or (field.endswith("_password") and not field.startswith(_CHANGED_PASSWORD))
    return expr.kind == "attr" and expr.text.lower() in _PASSWORD_KEYS


_SCOPING = lazy_compile(r"permitted|allowed|accessible|visible|authori[sz]ed|readable|for_user|restrict", re.IGNORECASE)
_QUERIES = frozenset({"filter", "get", "get_object_or_404", "filter_by"})
"""Query calls whose keyword arguments, given the caller (`owner=request.user`), scope them to the caller."""
_CALLER = ("g.user", "g.current_user", "current_user", "flask_login.current_user", "request.user",
           "self.request.user")


def caller_scoped(func: FunctionDef | None) -> str | None:
    """The call that limits the handler's data to what the caller may see
    (`get_permitted_dag_ids(user=g.user)`, `Doc.objects.visible_to(request.user)`,
    `ACL.restrict_queryset(queryset, user=self.request.user)`, `Note.objects.filter(owner=request.user)`),
    if any."""
    if func is None:
        return None
    for _, expr in walk_exprs(func.body):
        if expr.kind != "call" or expr.func.kind not in ("name", "attr"):
            continue
        if _SCOPING.search(expr.func.text) and any(
                (arg.dotted or "") in _CALLER for arg in expr.arguments):
            return expr.render(60)
        if expr.func.text in _QUERIES and any(kw.name and (kw.value.dotted or "") in _CALLER for kw in expr.keywords):
            return expr.render(60)
    return None


def _without_docstring(body: tuple[Stmt, ...]) -> list[Stmt]:
    stmts = list(body)
    if stmts and stmts[0].kind == "expr" and stmts[0].value is not None and stmts[0].value.kind == "str":
        return stmts[1:]
    return stmts


def forwarded_call(func: FunctionDef | None) -> Expr | None:
    """The call a handler hands its whole request to, if that is all it does: after an optional
    docstring (and calls on its own parameters such as `kwargs.pop("body", None)`), its body is
    `return f(...)`, and every argument of `f` is one of the handler's own parameters
    (`return user_endpoint.get_user(**kwargs)`, `return get_details(dag_id=dag_id, task_id=task_id)`)."""
    if func is None:
        return None
    params = {p.name for p in func.params} - {"self", "cls"}
    body = _without_docstring(func.body)
    if not params or not body or body[-1].kind != "return" or body[-1].value is None:
        return None
    for stmt in body[:-1]:
        call = stmt.value
        if stmt.kind != "expr" or call is None or call.kind != "call" or call.func.kind != "attr" \
                or (call.func.args[0].dotted or "") not in params:
            return None
    call = body[-1].value
    if call.kind == "await" and call.args:
        call = call.args[0]
    if call.kind != "call" or call.func.kind not in ("name", "attr"):
        return None
    arguments = [a.args[0] if a.kind == "starred" and a.args else a for a in call.positional]
    arguments += [kw.value for kw in call.keywords]
    if not arguments or any(a.kind != "name" or a.text not in params for a in arguments):
        return None
    return call


_TEMPLATE_CALLS = frozenset({"TemplateResponse", "render_template", "render", "render_to_response"})


def _plain(expr: Expr) -> bool:
    """A literal, the request, or a dict of those: nothing the handler looked up."""
    if expr.kind in ("str", "num", "const") or (expr.kind == "name" and expr.text == "request"):
        return True
    return expr.kind == "dict" and all(_plain(part) for part in expr.args if part.kind != "starstar")


def static_page(func: FunctionDef | None) -> str | None:
    """The template a handler renders, when rendering it is all the handler does and it passes no
    data of its own (`templates.TemplateResponse("agents/index.html", {"request": request})`,
    `render_template("about.html")`): a page shell whose data, if any, comes from other routes."""
    if func is None:
        return None
    body = _without_docstring(func.body)
    if len(body) != 1 or body[0].kind != "return" or body[0].value is None:
        return None
    call = body[0].value
    if call.kind != "call" or call.func.kind not in ("name", "attr") or call.func.text not in _TEMPLATE_CALLS:
        return None
    if not all(_plain(arg) for arg in call.arguments):
        return None
    template = next((arg.text for arg in call.positional if arg.kind == "str"), None)
    return template or call.func.text


def renders_page_data(func: FunctionDef | None) -> bool:
    """Whether the handler answers with an HTML template rendered with data of its own
    (`render(request, "health/index.html", {"records": Record.objects.all()})`): a page, whatever
    its path says, never a liveness probe."""
    if func is None:
        return False
    for stmt in walk_stmts(func.body):
        call = stmt.value
        if stmt.kind != "return" or call is None or call.kind != "call" or call.func.kind not in ("name", "attr") \
                or call.func.text not in _TEMPLATE_CALLS:
            continue
        args = call.arguments
        if any(a.kind == "str" and a.text.endswith((".html", ".htm", ".jinja", ".jinja2", ".j2")) for a in args) \
                and not all(_plain(a) for a in args):
            return True
    return False


_ANONYMOUS_TESTS = frozenset({"is_authenticated", "is_anonymous"})


def serves_anonymous_on_purpose(func: FunctionDef | None) -> str | None:
    """The test by which a handler tells signed-in callers apart and carries on for anonymous ones
    (`user = request.user.object if request.user.is_authenticated else None`), if any. A handler
    that turns anonymous callers away is authenticated, not this."""
    if func is None or rejects_anonymous(func):
        return None
    for _, expr in walk_exprs(func.body):
        if expr.kind == "ifexp" and expr.args:
            tests = [expr.args[0]]
        elif expr.kind == "boolop":
            tests = list(expr.args)
        else:
            continue
        for test in tests:
            inner = test.args[0] if test.kind == "unary" and test.args else test
            if inner.kind == "attr" and inner.text in _ANONYMOUS_TESTS:
                return inner.dotted or inner.text
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        test = stmt.value.args[0] if stmt.value.kind == "unary" and stmt.value.args else stmt.value
        if test.kind == "attr" and test.text in _ANONYMOUS_TESTS:
            return test.dotted or test.text
    return None


_LOGIN_TARGET = lazy_compile(r"log_?in|sign_?in", re.IGNORECASE)


def sends_to_login(func: FunctionDef | None) -> str | None:
    """The redirect when the handler, its work done, sends the caller to the login page
    (`return redirect("/user/login")` after creating an account, `redirect(url_for("auth.login"))`
    after a logout or a password reset): the last step of an auth flow, not a page for signed-in users."""
    if func is None:
        return None
    for stmt in walk_stmts(func.body):
        value = stmt.value
        if stmt.kind != "return" or value is None or value.kind != "call" or value.func.kind not in ("name", "attr"):
            continue
        if value.func.text == "redirect" and any(_LOGIN_TARGET.search(arg.render(80)) for arg in value.positional):
            return value.render(60)
    return None
