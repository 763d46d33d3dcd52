"""Follow an object ID through a function: where it loads an object, and whether the caller is checked.

`Scanner.scan` walks a function body in source order with a set of tainted names (the ID
parameters and names derived from them), the names that hold the caller, and the names
bound to loaded objects. It records ORM/ODM loads whose arguments carry the ID, follows
project functions the ID is passed to (two calls deep), and notes ownership evidence: a
query that also uses the caller, a guard comparing the object or ID with the caller that
rejects, or a call to an ownership helper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from apilint.lazy_regex import lazy_compile
from apilint.project import ProjectIndex, Symbol
from apilint.rules.authz._exits import forbids, rejects, stops
from apilint.rules.authz._memstores import filtered, store_get
from apilint.rules.authz._models import ModelReader
from apilint.rules.authz._names import (
    is_owner_field,
    is_user_name,
    looks_public,
    mentions_any,
    mentions_user,
)
from apilint.rules.expo._stores import store_lookup
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404", "aget_list_or_404"})
_SESSION_GETS = frozenset({"get", "get_or_404", "get_one", "aget", "find", "load", "get_or_none"})
_MONGO = frozenset({"find_one", "update_one", "delete_one", "find_one_and_update", "find_one_and_delete",
                    "replace_one", "find_one_and_replace"})
_QUERY_METHODS = frozenset({"get", "filter", "filter_by", "where", "get_or_404", "first_or_404", "one_or_404",
                            "get_or_none", "find_one", "get_by_id", "find_by_id", "get_by_pk", "aget", "afilter",
                            "first", "one"})
_CHAIN_MARKERS = frozenset({"query", "objects", "select", "update", "delete", "scalars", "all_objects"})
_OWNERSHIP_FN = lazy_compile(r"(owner|ownership|owns|belongs|can_(access|view|edit|read|write|modify|delete|manage)|"
                           r"(check|ensure|assert|verify|require|authorize|authorise|enforce)_\w*(access|perm|"
                           r"permission|owner|allowed|rights)|has_(object_)?perm|has_access|has_permission|"
                           r"authorize|authorise|is_allowed|user_can|check_object_permissions)", re.IGNORECASE)
_BENIGN_CALLS = frozenset({"print", "str", "repr", "int", "len", "dict", "list", "jsonify", "JSONResponse",
                           "Response", "info", "debug", "warning", "error", "exception", "log", "format",
                           "add", "add_all", "setattr", "append", "model_validate", "from_orm", "validate"})
_WRITES = frozenset({"add", "commit", "save", "delete", "update", "create", "insert_one", "update_one", "merge",
                     "refresh", "flush", "remove", "put"})
_ROLE_ATTR = lazy_compile(r"is_superuser|is_admin|is_staff|\.role\b|\.roles\b|has_perm|has_role|permissions|\.can\(",
                        re.IGNORECASE)
_SECRET_CHECK = lazy_compile(r"^(check_token|verify_token|validate_token|check_password|verify_password|"
                           r"compare_digest|constant_time_compare|check_signature|verify_signature|"
                           r"validate_signature|verify_hmac|check_hmac|verify_otp|check_otp|verify_code)$")
"""Calls that verify a secret the object's owner was given (a signed recovery token, an OTP)."""


@dataclass(frozen=True)
class Load:
    """An object loaded with a caller-supplied ID."""

    line: int
    """Line of the statement in the scanned (outermost) function."""
    param: str
    call: str
    model: str | None
    owned_model: bool | None
    """True when the model has an owner-like field, False when it has none, None when unknown."""
    user_model: bool = False
    via: str = ""
    """The project function the ID went through, if any."""
    file: str = ""
    """The file of `line` when it is not the handler's (a dependency)."""
    public_content: bool = False
    """The model looks like content others may read (authored posts, a `published` flag)."""
    model_read: bool = True
    """False when the model's class cannot be read (defined outside the analyzed files)."""
    flags: frozenset[str] = frozenset()
    """The model's public/private flag fields (`private`, `is_public`): rows that others may or may not read."""
    guessed: bool = False
    """An in-memory lookup recognised by its shape and names, its store unread (`_memstores`)."""


@dataclass
class Scan:
    """What a function does with the ID."""

    loads: list[Load] = field(default_factory=list)
    owned: str | None = None
    """Why the access is considered restricted to the caller, if it is."""


class Scanner:
    """Follows IDs through project functions; caches nothing (functions are small)."""

    def __init__(self, index: ProjectIndex, helpers: tuple[str, ...] = ()) -> None:
        self.index = index
        self.helpers = frozenset(h.rsplit(".", 1)[-1] for h in helpers)
        self.models = ModelReader(index)
        """What the loaded models' classes say (owner fields, user model, public content)."""

    def scan(self, mod: ModuleSummary, func: FunctionDef, taint: dict[str, str], users: set[str],
             loaded: set[str] | None = None, depth: int = 0) -> Scan:
        """Scan `func` with `taint` (name -> ID parameter it derives from) and caller names `users`."""
        out = Scan()
        taint = dict(taint)
        users = set(users)
        loaded = set(loaded or ())
        for stmt in walk_stmts(func.body):
            exprs = list(stmt.own_exprs())
            if not exprs:
                continue
            if stmt.kind in ("if", "while", "assert") and stmt.value is not None:
                why = self._guard(stmt, taint, users, loaded, depth) or \
                    self._handed_in_test(mod, func, stmt.value, users, loaded, depth)
                if why:
                    out.owned = out.owned or why
                continue
            stmt_loads = self._statement(mod, func, stmt, exprs, taint, users, loaded, depth, out)
            self._propagate(stmt, taint, users, loaded, stmt_loads)
        return out

    # --- one statement ------------------------------------------------------------
    def _statement(self, mod: ModuleSummary, func: FunctionDef, stmt: Stmt, exprs: list[Expr],
                   taint: dict[str, str], users: set[str], loaded: set[str], depth: int, out: Scan) -> bool:
        names = set(taint) | loaded
        has_user = any(mentions_user(e, users) for e in exprs)
        found = False
        for stored in self._store_loads(mod, exprs, taint, stmt.line):
            found = True
            if has_user:
                out.owned = out.owned or "the lookup also uses the caller"
            else:
                out.loads.append(stored)
        for expr in exprs:
            for call in expr.calls():
                short = call.func.last_name
                args = call.arguments
                args_taint = any(mentions_any(a, set(taint)) for a in args)
                args_names = any(mentions_any(a, names) for a in args)
                args_user = any(mentions_user(a, users) for a in args)
                if (short in self.helpers or _OWNERSHIP_FN.search(short)) and (args_names or args_user):
                    out.owned = out.owned or f"calls {short}()"
                    continue
                if short in ("filter", "where", "filter_by", "exclude") and args_user and \
                        any(mentions_any(e, names) for e in exprs):
                    out.owned = out.owned or "the query is filtered by the caller"
                    continue
                if not args_taint:
                    if args_user and args_names and short not in _BENIGN_CALLS and short not in _WRITES \
                            and not short[:1].isupper():  # building a model is not a check
                        out.owned = out.owned or f"{short}() receives the caller with the object"
                    elif args_names and loaded and short not in _BENIGN_CALLS:
                        handed = self._follow_object(mod, func, call, users, loaded, depth)
                        if handed is not None and handed.owned:
                            out.owned = out.owned or f"{short}() {handed.owned}"
                    continue
                load = self._load(mod, call, short, taint, stmt.line, func)
                if load is not None:
                    found = True
                    if has_user:
                        out.owned = out.owned or "the query also uses the caller"
                    else:
                        out.loads.append(load)
                    continue
                if args_user and short not in _BENIGN_CALLS and not short[:1].isupper():  # building a record
                    out.owned = out.owned or f"{short}() receives the caller with the ID"
                    continue
                inner = self._follow(mod, func, call, taint, users, depth)
                if inner is None:
                    continue
                if inner.owned:
                    out.owned = out.owned or inner.owned
                for sub in inner.loads:
                    found = True
                    out.loads.append(replace(sub, line=stmt.line, via=sub.via or call.func.render(40), file=""))
        return found

    def _guard(self, stmt: Stmt, taint: dict[str, str], users: set[str], loaded: set[str],
               depth: int = 0) -> str | None:
        test = stmt.value
        assert test is not None
        names = set(taint) | loaded
        block = stmt.body + stmt.orelse
        if stmt.kind != "assert" and not stops(block):
            return None
        # comparing the object with the caller, or checking a secret only its owner holds, and
        # leaving early (a redirect with an error message is a rejection too)
        if mentions_user(test, users) and (mentions_any(test, names) or _owner_attr(test)):
            return f"checks `{test.render(50)}` and rejects"
        for call in test.calls():
            args = call.arguments
            if _SECRET_CHECK.match(call.func.last_name) and (any(mentions_any(a, names) for a in args) or
                                                      mentions_any(call.func, names)):
                return f"verifies a secret against the object (`{test.render(50)}`)"
        rejected = stmt.kind == "assert" or rejects(block)
        if rejected and mentions_user(test, users) and _ROLE_ATTR.search(test.render(120)):
            return f"checks the caller's role (`{test.render(50)}`) and rejects"
        for call in test.calls():
            short = call.func.last_name
            if (short in self.helpers or _OWNERSHIP_FN.search(short)) and (rejected or depth > 0):
                # in a helper the object was handed to, returning early skips what the helper does
                # (`if not can_edit(shelf): return False`, then the delete)
                return f"checks `{test.render(50)}` and {'rejects' if rejected else 'returns early'}"
        if not rejected:
            return None
        if _owner_attr(test) and mentions_any(test, names) and not _consistency_only(test, set(taint), loaded):
            return f"checks `{test.render(50)}` and rejects"
        if test.kind == "compare" and mentions_any(test, names) and len(set(test.names()) - names) > 0 and \
                _compares_key(test, names) and forbids(stmt.body):
            return f"compares `{test.render(50)}` and answers 403"  # `if requester_id != user_id: 403`
        return None

    def _propagate(self, stmt: Stmt, taint: dict[str, str], users: set[str], loaded: set[str],
                   was_load: bool) -> None:
        if stmt.kind not in ("assign", "annassign", "augassign", "for", "with") or stmt.value is None:
            return
        targets = [n for t in stmt.targets for n in t.names()]
        value = stmt.value
        origin = next((taint[n] for n in value.names() if n in taint), None)
        if was_load or (mentions_any(value, loaded) and origin is None):
            loaded.update(targets)
        elif origin is not None and not mentions_user(value, users):
            for name in targets:
                taint[name] = origin
        elif mentions_user(value, users) or any(is_user_name(t) for t in targets if value.kind == "call"):
            users.update(targets)

    # --- loads --------------------------------------------------------------------
    def _store_loads(self, mod: ModuleSummary, exprs: list[Expr], taint: dict[str, str], line: int) -> list[Load]:
        """`USERS[user_id]` / `USERS.get(user_id)` on a module-level dict of records."""
        out: list[Load] = []
        for expr in exprs:
            for sub in expr.walk():
                key = sub.args[1] if sub.kind == "subscript" and len(sub.args) == 2 else \
                    sub.positional[0] if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "get" \
                    and sub.positional else None
                param = next((taint[n] for n in key.names() if n in taint), None) if key is not None else None
                store = store_lookup(self.index, mod, sub) if param is not None else None
                if param is None:
                    continue
                if store is None:
                    # a store apilint cannot read (filled at run time, behind a backend object)
                    unread = store_get(self.index, mod, sub)
                    if unread is not None:
                        out.append(Load(line, param, unread.call, unread.model, unread.owned, unread.user_model,
                                        model_read=False, guessed=True))
                    continue
                fields = list(store.fields)
                out.append(Load(line, param, sub.render(70), store.name, any(is_owner_field(f) for f in fields),
                                store.holds_users, public_content=looks_public(fields)))
            for lookup in filtered(expr, set(taint)):
                out.append(Load(line, taint[lookup.key], lookup.call, lookup.model, lookup.owned, lookup.user_model,
                                model_read=False, guessed=True))
        return out

    def _load(self, mod: ModuleSummary, call: Expr, short: str, taint: dict[str, str], line: int,
              func: FunctionDef) -> Load | None:
        param = next((taint[n] for a in call.args[1:] for n in a.names() if n in taint), None)
        if param is None:
            param = next((taint[n] for kw in call.keywords for n in kw.value.names() if n in taint), "")
        model: Expr | None = None
        if call.func.kind == "name":
            if short not in _SHORTCUTS or not call.positional:
                return None
            model = call.positional[0]
            if model.kind == "call":  # get_object_or_404(Page.objects.filter(...), ...): the model heads the chain
                _chain_names, chain_root = receiver_chain(model)
                if chain_root is not None and chain_root.kind in ("name", "attr"):
                    model = chain_root
        else:
            receiver = call.func.args[0]
            chain, root = receiver_chain(receiver)
            first = call.positional[0] if call.positional else None
            if short in _SESSION_GETS and first is not None and _is_class_ref(first) and len(call.positional) >= 2:
                model = first
            elif short in _MONGO:
                model = root if root is not None and _is_class_ref(root) else None
            elif short in _QUERY_METHODS and (chain & _CHAIN_MARKERS or (root is not None and _is_class_ref(root))):
                model = model_in_chain(receiver)
            else:
                return None
        symbol = self._resolve(mod, func, model)
        if self.models.plain_class(symbol):
            return None  # `Session.get_by_id(x)` on an in-memory registry: a method to follow, not a load
        name, owned, user_model, public = self.models.info(mod, model)
        return Load(line, param, call.render(70), name, owned, user_model, public_content=public,
                    model_read=symbol is not None and symbol.cls is not None, flags=self.models.flags(mod, model))

    def _resolve(self, mod: ModuleSummary, func: FunctionDef, expr: Expr | None) -> Symbol | None:
        """A name in `func`, also one bound by an import inside the function."""
        if expr is None:
            return None
        symbol = self.index.resolve(mod, expr)
        if symbol is not None or expr.kind != "name":
            return symbol
        for stmt in walk_stmts(func.body):
            if stmt.kind == "import":
                for target, source in zip(stmt.targets, stmt.exprs, strict=False):
                    if target.text == expr.text and source.kind == "str":
                        return self.index.lookup(source.text)
        return None

    # --- project functions --------------------------------------------------------
    def _follow(self, mod: ModuleSummary, caller: FunctionDef, call: Expr, taint: dict[str, str],
                users: set[str], depth: int) -> Scan | None:
        if depth >= 2:
            return None
        symbol = self.index.resolve(mod, call.func)
        if symbol is None and call.func.kind == "attr":
            symbol = self._method(mod, caller, call.func)
        if symbol is None or symbol.func is None:
            return None
        func = symbol.func
        params = [p for p in func.params if p.kind in ("pos", "posonly", "kwonly")]
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        inner_taint: dict[str, str] = {}
        inner_users = {p.name for p in func.params if is_user_name(p.name)}
        for i, arg in enumerate(call.positional):
            if i < len(params):
                self._bind(params[i].name, arg, taint, users, inner_taint, inner_users)
        for kw in call.keywords:
            if kw.name is not None:
                self._bind(kw.name, kw.value, taint, users, inner_taint, inner_users)
        if not inner_taint:
            return None
        return self.scan(symbol.module, func, inner_taint, inner_users, None, depth + 1)

    def _follow_object(self, mod: ModuleSummary, caller: FunctionDef, call: Expr, users: set[str],
                       loaded: set[str], depth: int) -> Scan | None:
        """A loaded object handed to a project function (`self.resolve(request, uri, task)`): the
        function's own check of that object against the caller counts."""
        if depth >= 2:
            return None
        symbol = self.index.resolve(mod, call.func)
        if symbol is None and call.func.kind == "attr":
            symbol = self._method(mod, caller, call.func) or self._self_method(mod, caller, call.func)
        if symbol is None or symbol.func is None:
            return None
        params = [p for p in symbol.func.params if p.kind in ("pos", "posonly", "kwonly")]
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        bound = [(params[i].name, arg) for i, arg in enumerate(call.positional) if i < len(params)]
        bound += [(kw.name, kw.value) for kw in call.keywords if kw.name is not None]
        inner_loaded = {name for name, arg in bound if mentions_any(arg, loaded)}
        inner_users = {p.name for p in symbol.func.params if is_user_name(p.name)}
        inner_users |= {name for name, arg in bound if mentions_user(arg, users)}
        if not inner_loaded:
            return None
        return self.scan(symbol.module, symbol.func, {}, inner_users, inner_loaded, depth + 1)

    def _handed_in_test(self, mod: ModuleSummary, caller: FunctionDef, test: Expr, users: set[str],
                        loaded: set[str], depth: int) -> str | None:
        """`if not delete_shelf(shelf): flash(...)`: a loaded object handed to a project function in a
        test, which checks it against the caller itself."""
        for call in test.calls() if loaded else ():
            short = call.func.last_name
            if short in _BENIGN_CALLS or not any(mentions_any(a, loaded) for a in call.positional):
                continue
            handed = self._follow_object(mod, caller, call, users, loaded, depth)
            if handed is not None and handed.owned:
                return f"{short}() {handed.owned}"
        return None

    def _self_method(self, mod: ModuleSummary, caller: FunctionDef, func: Expr) -> Symbol | None:
        return self_method(self.index, mod, caller, func)

    def _bind(self, name: str, arg: Expr, taint: dict[str, str], users: set[str], inner_taint: dict[str, str],
              inner_users: set[str]) -> None:
        origin = next((taint[n] for n in arg.names() if n in taint), None)
        if origin is not None:
            inner_taint[name] = origin
        elif mentions_user(arg, users):
            inner_users.add(name)

    def _method(self, mod: ModuleSummary, caller: FunctionDef, func: Expr) -> Symbol | None:
        """`repo.get(...)` where `repo` is a parameter annotated with a project class."""
        receiver = func.args[0]
        if receiver.kind != "name":
            return None
        param = caller.param(receiver.text)
        ann = param.annotation if param is not None else None
        if ann is not None and ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
            ann = ann.args[1] if len(ann.args) > 1 else None
        cls = self.index.resolve(mod, ann) if ann is not None and ann.dotted else None
        return self.index.find_method(cls, func.text)


def self_method(index: ProjectIndex, mod: ModuleSummary, caller: FunctionDef, func: Expr) -> Symbol | None:
    """`self.helper(...)` inside a method: the helper on the caller's class or a project base."""
    if func.kind != "attr" or func.args[0].kind != "name" or func.args[0].text != "self" or \
            "." not in caller.qualname:
        return None
    return index.find_method(index.lookup(f"{mod.module}.{caller.qualname.rsplit('.', 1)[0]}"), func.text)


def receiver_chain(expr: Expr) -> tuple[set[str], Expr | None]:
    """Method and attribute names along a receiver chain, and its root expression."""
    names: set[str] = set()
    node = expr
    for _ in range(12):
        if node.kind == "call":
            if node.func.kind in ("name", "attr"):
                names.add(node.func.text)
            node = node.func
        elif node.kind == "attr":
            names.add(node.text)
            node = node.args[0]
        elif node.kind in ("await", "subscript") and node.args:
            node = node.args[0]
        else:
            break
    return names, node if node.kind in ("name", "attr") else None


def model_in_chain(expr: Expr) -> Expr | None:
    """`Item` in `db.query(Item).filter(...)`, `select(Item).where(...)` or `Item.objects.filter(...)`."""
    node = expr
    for _ in range(12):
        if node.kind == "call":
            if node.func.kind in ("name", "attr") and node.func.text in ("query", "select", "update", "delete") \
                    and node.positional and _is_class_ref(node.positional[0]):
                return node.positional[0]
            node = node.func
        elif node.kind == "attr":
            node = node.args[0]
        else:
            break
    return node if node.kind in ("name", "attr") and _is_class_ref(node) else None


def _is_class_ref(expr: Expr) -> bool:
    dotted = expr.dotted
    if dotted is None:
        return False
    last = dotted.rsplit(".", 1)[-1]
    return last[:1].isupper() and not last.isupper()


def _compares_key(test: Expr, names: set[str]) -> bool:
    """The comparison weighs the ID or object itself against something (`requester_id != user_id`),
    not a count or size of what it loaded (`len(cards) <= 1`) or a literal."""
    for side in test.args:
        if mentions_any(side, names) and side.kind not in ("name", "attr", "subscript"):
            return False
    return not all(side.kind in ("num", "str", "const") for side in test.args if not mentions_any(side, names))


def _consistency_only(test: Expr, taint: set[str], loaded: set[str]) -> bool:
    """`order.user_id != user_id` where both sides come from the request (the path's user and an object
    loaded by the path's order): the object belongs to the user the caller named, not to the caller.
    Membership tests (`order_id not in ORDERS`) only ask whether the object exists."""
    compares = [sub for sub in test.walk() if sub.kind == "compare"]
    if not compares:
        return False
    if all(set(cmp.text.split(",")) <= {"in", "not in"} and cmp.args[0].kind == "name" and
           cmp.args[0].text in taint for cmp in compares):
        return True  # `if order_id not in ORDERS:` asks whether the object exists, not whose it is
    for cmp in compares:
        if not any(sub.kind == "attr" and is_owner_field(sub.text) for sub in cmp.walk()):
            continue
        sides = [set(side.names()) for side in cmp.args]
        if not all(side and side <= (taint | loaded) for side in sides) or \
                not any(side & taint for side in sides):
            return False
    return True


def _owner_attr(expr: Expr) -> bool:
    return any(sub.kind == "attr" and is_owner_field(sub.text) for sub in expr.walk())
