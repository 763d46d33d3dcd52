"""GQL003: GraphQL mutation resolver that changes data without checking who the caller is."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import AuthStatus, GraphQLResolver
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.gql._helpers import PUBLIC_MUTATION, first_write, user_check
from apilint.summary import FunctionDef

_FIX = ("Check the caller in the resolver (`if not info.context.user.is_authenticated: raise "
        "PermissionDenied`), decorate it (graphql_jwt `@login_required`, strawberry "
        "`permission_classes=[IsAuthenticated]`), or require a login on the whole GraphQL view")


class UnauthenticatedGraphqlMutation(Rule):
    """
    ## What it finds
    Mutation resolvers (graphene `Mutation.mutate` / `mutate_and_get_payload`, strawberry
    `@strawberry.mutation`, ariadne `@mutation.field(...)`) that change stored data while nothing
    checks the caller: no auth decorator (graphql_jwt `@login_required`, `@permission_required`),
    no strawberry `permission_classes` or permission extension, the body never looks at the user
    (`info.context.user`, `info.context["request"].user`, an auth helper), and the GraphQL endpoint
    serving the schema does not require a login (a `login_required(...)` wrapper, `LoginRequiredMixin`,
    a FastAPI auth dependency in `context_getter` or `dependencies`). Mutations that are public by
    design (login, register, token, password reset) are not reported. The finding is on the
    resolver's `def` line.
    Medium confidence when the body visibly writes (`.save()`, `.delete()`, `session.add`,
    `.commit()`); low when no write is visible or the endpoint's protection cannot be read (custom
    GraphQL middleware, Flask `before_request` hooks, auth middleware).

    ## Why it matters
    A GraphQL endpoint is one URL: endpoint-level auth is all or nothing, so APIs that keep the
    endpoint public must check the user in every resolver, and a forgotten check on one mutation
    lets anyone create, change or delete data with a single POST (CWE-306 Missing Authentication
    for Critical Function, CWE-862 Missing Authorization, OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Schema-wide permission layers (graphene middleware that rejects anonymous users, graphql-shield
    style rules) lower the confidence but are not read. Resolvers are matched to endpoints by
    project, not by schema: with several endpoints, the least protected one is assumed.
    Authorization (is this user allowed to change *this* object?) is not judged.

    ## References
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    - https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html
    """

    code = "GQL003"
    name = "unauthenticated-graphql-mutation"
    summary = "GraphQL mutation changes data without authenticating the caller"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"graphql"})
    cwe = (306, 862)
    owasp = ("API2:2023",)

    bad = Example("""
        import graphene
        from django.urls import path
        from graphene.validation import DisableIntrospection, depth_limit_validator
        from graphene_django.views import GraphQLView
        from django.contrib.auth.models import User

        class DeleteUser(graphene.Mutation):
            ok = graphene.Boolean()

            class Arguments:
                user_id = graphene.ID()

            def mutate(self, info, user_id):  # expect: GQL003
                User.objects.get(pk=user_id).delete()
                return DeleteUser(ok=True)

        class Query(graphene.ObjectType):
            ping = graphene.String()

        class Mutation(graphene.ObjectType):
            delete_user = DeleteUser.Field()

        schema = graphene.Schema(query=Query, mutation=Mutation)
        rules = [DisableIntrospection, depth_limit_validator(max_depth=8)]
        urlpatterns = [path("graphql/", GraphQLView.as_view(schema=schema, validation_rules=rules))]
    """, config='auth = { public-paths = ["/graphql/"] }')

    good = Example("""
        import graphene
        from django.urls import path
        from graphene.validation import DisableIntrospection, depth_limit_validator
        from graphene_django.views import GraphQLView
        from django.contrib.auth.models import User
        from graphql_jwt.decorators import staff_member_required

        class DeleteUser(graphene.Mutation):
            ok = graphene.Boolean()

            class Arguments:
                user_id = graphene.ID()

            @staff_member_required
            def mutate(self, info, user_id):
                User.objects.get(pk=user_id).delete()
                return DeleteUser(ok=True)

        class Query(graphene.ObjectType):
            ping = graphene.String()

        class Mutation(graphene.ObjectType):
            delete_user = DeleteUser.Field()

        schema = graphene.Schema(query=Query, mutation=Mutation)
        rules = [DisableIntrospection, depth_limit_validator(max_depth=8)]
        urlpatterns = [path("graphql/", GraphQLView.as_view(schema=schema, validation_rules=rules))]
    """, config='auth = { public-paths = ["/graphql/"] }')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report mutation resolvers with no auth of their own behind an endpoint that lets anyone in."""
        for resolver in ctx.facts.graphql_resolvers:
            if resolver.operation != "mutation":
                continue
            endpoint = resolver.endpoint_auth.status
            if endpoint is AuthStatus.REQUIRED or resolver.auth:
                continue
            if PUBLIC_MUTATION.search(resolver.field) or PUBLIC_MUTATION.search(resolver.handler.rsplit(".", 2)[-2]):
                continue
            func = self._function(ctx, resolver)
            if func is not None and user_check(func) is not None:
                continue
            write = first_write(func) if func is not None else None
            confidence = Confidence.MEDIUM if write is not None and endpoint is not AuthStatus.UNKNOWN \
                else Confidence.LOW
            did = f" ({write[1].render(40)}, line {write[0]})" if write is not None else ""
            gate = "the GraphQL endpoint does not require a login" if endpoint is not AuthStatus.UNKNOWN else \
                "apilint cannot tell whether the GraphQL endpoint requires a login"
            yield self.finding(
                resolver.location,
                f"Mutation `{resolver.field}` changes data{did} without checking who the caller is: the resolver "
                f"has no auth decorator or permission class, never reads the user, and {gate}",
                _FIX, confidence=confidence, symbol=resolver.handler)

    @staticmethod
    def _function(ctx: RuleContext, resolver: GraphQLResolver) -> FunctionDef | None:
        ref = resolver.handler_ref
        mod = ctx.index.by_path.get(ref.file) if ref is not None else None
        if ref is None or mod is None:
            return None
        return next((f for f in mod.functions() if f.qualname == ref.qualname), None)
