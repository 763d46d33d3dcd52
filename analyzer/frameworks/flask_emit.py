"""Flask routes emitted by walking registrations down from each app (pass 3).

Prefixes compose the way Flask does (a prefix given at registration wins over the blueprint's
own); conditions of conditional registrations accumulate; the auth of each route comes from
its decorators, the decorators of every object above it, `before_request` hooks (per method
and endpoint), the request-handler class and, when nothing else speaks, the handler's body.
Objects no app reaches are walked as roots of their own and their routes listed `unlinked`.
"""

from __future__ import annotations

from collections.abc import Iterator

from apilint.frameworks.base import LinkOutput
from apilint.frameworks.common import join_conditions, join_paths, normalize_path
from apilint.frameworks.flask_auth import FlaskAuth, Judgement, strongest
from apilint.frameworks.flask_classes import HandlerClasses
from apilint.frameworks.flask_facts import FlaskFacts
from apilint.frameworks.flask_hooks import HookJudge, RouteFacts
from apilint.frameworks.flask_nodes import Node, RawRoute
from apilint.frameworks.flask_objects import Objects
from apilint.frameworks.flask_patterns import redirects_anonymous
from apilint.frameworks.flask_setup_state import marker_cut
from apilint.model import AppFact, AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

LOGIN_CALLS = ("check_password", "verify_password", "create_access_token", "create_refresh_token", "login_user",
               "authenticate", "encode_auth_token", "generate_token", "create_token")


class Emitter:
    """Turns the objects and their registrations into routes and app facts."""

    def __init__(self, index: ProjectIndex, objects: Objects, auth: FlaskAuth, facts: FlaskFacts,
                 replaced: set[tuple[str, str]], out: LinkOutput) -> None:
        self.index = index
        self.objects = objects
        self.auth = auth
        self.hooks = HookJudge(index, auth)
        self.classes = HandlerClasses(index, auth)
        self.facts = facts
        self.replaced = replaced
        self.out = out

    def emit(self) -> None:
        """Publish the apps and their facts, then walk every root object (apps, and objects no app
        reaches) down its registrations into routes."""
        templates = self._instantiate()
        for node in sorted(self.objects.nodes.values(), key=lambda n: n.key):
            if node.kind == "app" and node.lib == "flask":
                self.out.apps.append(AppFact("flask", node.key, Location(node.mod.path, node.line)))
                self.facts.app(node.key, Location(node.mod.path, node.line))
            if node.key not in templates or node.included:
                self.out.diagnostics += node.pending
        roots = [n for n in self.objects.nodes.values() if (n.kind == "app" or not n.included)
                 and (n.stand_in is None or n.stand_in not in self.replaced) and n.key not in templates]
        for root in sorted(roots, key=lambda n: n.key):
            app_hooks: list[tuple[ModuleSummary, FunctionDef]] = []
            for node in self._subtree(root, set()):
                app_hooks += node.app_hooks
            self._walk(root, root.prefix if root.kind != "app" else "", [], root, app_hooks, set(), "")

    def _instantiate(self) -> set[str]:
        """Give each blueprint a factory built what the factory's body adds to its own object
        (routes, registrations, hooks): the keys of those template objects."""
        templates: set[str] = set()
        for node in sorted(self.objects.nodes.values(), key=lambda n: n.key):
            template = self.objects.nodes.get(node.template) if node.template else None
            if template is None or template is node:
                continue
            templates.add(template.key)
            node.routes += template.routes
            node.includes += template.includes
            node.hooks += template.hooks
            node.app_hooks += template.app_hooks
            node.decorators += template.decorators
            node.limits += template.limits
        return templates

    def _subtree(self, node: Node, seen: set[str]) -> Iterator[Node]:
        if node.key in seen or len(seen) > 200:
            return
        seen.add(node.key)
        yield node
        for inc in node.includes:
            child = self.objects.nodes.get(inc.child)
            if child is not None:
                yield from self._subtree(child, seen)

    def _walk(self, node: Node, base: str, chain: list[Node], app: Node,
              app_hooks: list[tuple[ModuleSummary, FunctionDef]], seen: set[str], condition: str) -> None:
        if node.key in seen or len(seen) > 40:
            return
        seen = seen | {node.key}
        chain = [*chain, node]
        for raw in node.routes:
            self._route(raw, base, chain, app, app_hooks, join_conditions(condition, raw.condition))
        for inc in node.includes:
            child = self.objects.nodes.get(inc.child)
            if child is None:
                continue
            prefix = inc.prefix if inc.prefix is not None else child.prefix
            self._walk(child, join_paths(base, prefix) if prefix else base, chain, app, app_hooks, seen,
                       join_conditions(condition, inc.condition))

    def _route(self, raw: RawRoute, base: str, chain: list[Node], app: Node,
               app_hooks: list[tuple[ModuleSummary, FunctionDef]], condition: str) -> None:
        rule, marker = raw.path, chain[-1].unprefixed
        if marker and rule.startswith(marker):
            base, rule = "", rule[marker_cut(marker):]  # the blueprint's setup state drops every prefix
        full_raw = join_paths(base, rule) if (base or rule) else "/"
        path, params = normalize_path(full_raw)
        blueprints = [n.name for n in chain if n.kind == "blueprint"]
        endpoint = ".".join([*blueprints, raw.endpoint])
        loc = Location(raw.mod.path, raw.line)
        judged = Judgement()
        names: list[str] = []
        decorators = list(raw.decorators)
        for node in chain:
            decorators += node.decorators
            judged.rate_limit += node.limits
        for mod, expr in decorators:
            target = expr.func if expr.kind == "call" else expr
            names.append(self.index.qualify_expr(mod, target) or target.render(40))
            judged.merge(self.auth.decorator(mod, expr, loc))
        if raw.view_class is not None:
            names.append(raw.view_class.qualname)
            judged.merge(self.classes.judge(raw.view_class))
        hooks = [h for n in chain if n.kind != "app" for h in n.hooks] + app.hooks + app_hooks
        for method in raw.methods:
            facts = RouteFacts(endpoint, path, full_raw, blueprints[-1] if blueprints else "", method)
            statuses: list[AuthStatus] = []
            evidence = list(judged.evidence)
            authz = list(judged.authz)
            for mod, func in hooks:
                verdict = self.hooks.judge(mod, func, facts)
                if verdict.status is not None:
                    statuses.append(verdict.status)
                    evidence.append(verdict.evidence)
                    authz += verdict.authz
            if judged.status is not None:
                statuses.append(judged.status)
            if raw.func is not None and not statuses:
                if not handler_issues_credentials(raw.func):
                    body = self.auth.body_status(raw.mod, raw.func)
                    detail = (self.auth.opaque_reason(raw.mod, raw.func) if body is AuthStatus.UNKNOWN
                              else "checks credentials in the handler body")
                else:
                    # a handler that checks a password (changing it, say) authenticates no one by
                    # that check, but may still turn away callers who have not logged in
                    body = AuthStatus.REQUIRED if redirects_anonymous(raw.func) == "" else None
                    detail = "turns away callers who have not logged in (`current_user`), in the handler body"
                if body is not None:
                    statuses.append(body)
                    evidence.append(Evidence("handler", f"{raw.mod.module}.{raw.qualname}", body, detail, loc))
            if raw.built_by and not statuses:
                statuses.append(AuthStatus.UNKNOWN)
                evidence.append(Evidence("handler", raw.built_by, AuthStatus.UNKNOWN,
                                         f"the view is what `{raw.built_by.rsplit('.', 1)[-1]}(...)` returns at run "
                                         "time; what it checks is not read", loc))
            status = strongest(statuses) or AuthStatus.NONE
            if raw.builtin:
                evidence.append(Evidence("static_files", raw.qualname, status, raw.builtin, loc))
            if raw.func is not None:
                for check in self.auth.body_roles(raw.mod, raw.func, handler=True)[:1]:
                    authz.append(Evidence("role", f"{raw.mod.module}.{raw.qualname}", AuthStatus.REQUIRED,
                                          check.text, loc, check.roles))
                for access in self.auth.object_checks(raw.mod, raw.func, frozenset(params))[:1]:
                    authz.append(Evidence("object_permission", f"{raw.mod.module}.{raw.qualname}",
                                          AuthStatus.REQUIRED, access, loc))
            self.out.routes.append(Route(
                framework="flask",
                method=method,
                path=path,
                raw_path=full_raw,
                handler=raw.qualname if raw.builtin else f"{raw.mod.module}.{raw.qualname}",
                location=loc,
                handler_ref=HandlerRef(raw.mod.path, raw.qualname) if raw.func is not None else None,
                path_params=params,
                auth=AuthEvidence(status, tuple(dict.fromkeys(evidence))),
                authz=tuple(dict.fromkeys(authz)),
                dependencies=tuple(dict.fromkeys(names)),
                return_annotation=raw.func.returns.render(60) if raw.func and raw.func.returns else None,
                rate_limit=tuple(dict.fromkeys(judged.rate_limit)),
                group=chain[-1].key,
                app=app.key,
                linked=app.kind == "app",
                condition=condition,
                builtin=bool(raw.builtin),
            ))
        self.out.frameworks.add("flask")


def handler_issues_credentials(func: FunctionDef) -> bool:
    """A login/token handler checks a password and rejects, but that is not authentication of the caller.

    `authenticate(request)` given nothing but the request (or its headers) reads the caller's own
    credential, as an API-key or token check does: that is authentication, not a login.
    """
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = (call.func.dotted or "").rsplit(".", 1)[-1].lower()
                if any(w in name for w in LOGIN_CALLS) and not _checks_the_request(name, call):
                    return True
    return False


_REQUEST_ROOTS = ("request", "self.request", "flask.request")
_REQUEST_HEADERS = tuple(f"{root}.headers" for root in _REQUEST_ROOTS)


def _checks_the_request(name: str, call: Expr) -> bool:
    """`authenticate(request)`, `auth.authenticate(request.headers)`: the request is all it is given."""
    if "authenticate" not in name:
        return False
    passed = [(arg.dotted or "") for arg in call.arguments]
    return bool(passed) and all(arg in _REQUEST_ROOTS or arg.startswith(_REQUEST_HEADERS) for arg in passed)


__all__ = ["LOGIN_CALLS", "Emitter", "handler_issues_credentials"]
