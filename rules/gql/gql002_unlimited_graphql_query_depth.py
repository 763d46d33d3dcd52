"""GQL002: GraphQL endpoint with no query depth or cost limit (or unlimited batching)."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import GraphQLEndpoint
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.gql._helpers import firm, requires_login, switched, where

_FIX = ("Limit query depth and cost: graphene `depth_limit_validator(max_depth=10)` in `validation_rules`, "
        "strawberry `QueryDepthLimiter(max_depth=10)` and `MaxAliasesLimiter` extensions, ariadne "
        "`cost_validator(maximum_cost=...)`; turn batching off or cap the operations per request")


class UnlimitedGraphqlQueryDepth(Rule):
    """
    ## What it finds
    GraphQL endpoints that run any query they are sent, however deep or costly: no depth limit
    (graphene `depth_limit_validator`, strawberry `QueryDepthLimiter`), no cost or complexity
    validator (ariadne `cost_validator`, strawberry `MaxTokensLimiter` / `MaxAliasesLimiter`), and
    no project check with such a name in the handler that executes the query. Endpoints that
    accept batched queries (`batch=True`) without a cap on the operations per request are reported
    too, even when a depth limit exists. The finding is on the call that creates the endpoint.
    Endpoints that require a login are reported with low severity.

    ## Why it matters
    Object graphs are cyclic (an author has posts, a post has an author): a short query nested a
    few dozen levels, or repeated through aliases and batches, makes the server resolve millions
    of fields and exhausts CPU, memory and database connections with a handful of requests
    (CWE-400 Uncontrolled Resource Consumption, CWE-770 Allocation of Resources Without Limits,
    OWASP API4:2023 Unrestricted Resource Consumption).

    ## Options
    None.

    ## Known limitations
    Limits enforced by a gateway, a persisted-query allow list or a validation rule whose name
    says neither depth, cost, complexity, tokens nor aliases are not seen. A schema shared by
    several endpoints is judged per endpoint. Project middleware named for depth or cost that
    hands every field on under a switch (`if helpers.relaxed_mode(): return next(...)`) counts
    only half: without a firm limit the endpoint is reported at low confidence, naming the switch.

    ## References
    - https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/
    - https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html
    - https://strawberry.rocks/docs/extensions/query-depth-limiter
    """

    code = "GQL002"
    name = "unlimited-graphql-query-depth"
    summary = "GraphQL endpoint without a query depth or cost limit"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"graphql"})
    cwe = (400, 770)
    owasp = ("API4:2023",)

    bad = Example("""
        import strawberry
        from fastapi import Depends, FastAPI
        from strawberry.fastapi import GraphQLRouter
        from strawberry.extensions import AddValidationRules
        from graphql.validation import NoSchemaIntrospectionCustomRule

        from auth import current_user

        @strawberry.type
        class Query:
            @strawberry.field
            def hello(self) -> str:
                return "hi"

        schema = strawberry.Schema(query=Query, extensions=[AddValidationRules([NoSchemaIntrospectionCustomRule])])

        async def get_context(user=Depends(current_user)):
            return {"user": user}

        app = FastAPI()
        graphql_app = GraphQLRouter(schema, graphql_ide=None, context_getter=get_context)  # expect: GQL002
        app.include_router(graphql_app, prefix="/graphql")
    """, files=(("auth.py", """
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

        def current_user(token: str = Depends(oauth2_scheme)):
            if not token:
                raise HTTPException(status_code=401)
            return token
    """),))

    good = Example("""
        import strawberry
        from fastapi import Depends, FastAPI
        from strawberry.fastapi import GraphQLRouter
        from strawberry.extensions import AddValidationRules, QueryDepthLimiter
        from graphql.validation import NoSchemaIntrospectionCustomRule

        from auth import current_user

        @strawberry.type
        class Query:
            @strawberry.field
            def hello(self) -> str:
                return "hi"

        schema = strawberry.Schema(query=Query, extensions=[
            AddValidationRules([NoSchemaIntrospectionCustomRule]),
            QueryDepthLimiter(max_depth=10),
        ])

        async def get_context(user=Depends(current_user)):
            return {"user": user}

        app = FastAPI()
        graphql_app = GraphQLRouter(schema, graphql_ide=None, context_getter=get_context)
        app.include_router(graphql_app, prefix="/graphql")
    """, files=(("auth.py", """
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

        def current_user(token: str = Depends(oauth2_scheme)):
            if not token:
                raise HTTPException(status_code=401)
            return token
    """),))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per endpoint without limits, or with unlimited batching."""
        for endpoint in ctx.facts.graphql:
            unlimited_batch = endpoint.batching is not None and not endpoint.batch_limit
            if firm(endpoint.limits) and not unlimited_batch:
                continue
            yield self._finding(endpoint, unlimited_batch)

    def _finding(self, endpoint: GraphQLEndpoint, unlimited_batch: bool) -> Finding:
        batch = " and it accepts batched queries (`batch=True`) with no cap on operations per request" \
            if unlimited_batch else ""
        skipped = switched(endpoint.limits)
        if firm(endpoint.limits):
            what = f"{_cap(where(endpoint))} limits query depth or cost but accepts batched queries " \
                   "(`batch=True`) with no cap on operations per request: one request can carry thousands of queries"
        elif skipped:
            what = f"{_cap(where(endpoint))} limits query depth or cost only in middleware that steps aside " \
                   f"under a switch ({skipped}){batch}: while it is off, a deeply nested or aliased query can " \
                   "make the server resolve millions of fields"
        else:
            what = f"{_cap(where(endpoint))} has no query depth or cost limit{batch}: a deeply nested or " \
                   "aliased query can make the server resolve millions of fields"
        login = requires_login(endpoint)
        if login:
            what += " (only signed-in users can send queries)"
        confidence = Confidence.LOW if skipped and not firm(endpoint.limits) and not unlimited_batch \
            else Confidence.MEDIUM
        return self.finding(endpoint.location, what, _FIX, severity=Severity.LOW if login else None,
                            confidence=confidence, symbol=endpoint.path or endpoint.schema)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
