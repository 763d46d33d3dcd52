"""GQL001: GraphiQL served, or schema introspection left on, in what may be production."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import GraphQLEndpoint
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.gql._helpers import firm, requires_login, switched, where

_FIX_IDE = ("Serve GraphiQL only in development (`graphiql=settings.DEBUG`) and disable introspection in "
            "production (graphene `DisableIntrospection`, strawberry `AddValidationRules([NoSchemaIntrospectionCustom"
            "Rule])`, ariadne `introspection=False`)")
_FIX_INTROSPECTION = ("Disable introspection in production: graphene `validation_rules=[DisableIntrospection]`, "
                      "strawberry `AddValidationRules([NoSchemaIntrospectionCustomRule])`, ariadne "
                      "`introspection=False`")


class GraphqlIntrospectionEnabled(Rule):
    """
    ## What it finds
    GraphQL endpoints that hand the whole schema to whoever asks. Reported on the call that creates
    the endpoint (or the line that turns the IDE on):

    - an in-browser IDE (GraphiQL, Playground, ariadne's explorer) switched on outside a debug-only
      branch: `GraphQLView.as_view(graphiql=True)`, strawberry and ariadne endpoints that serve
      GraphiQL by default, a Flask route returning ariadne's `PLAYGROUND_HTML`. Medium severity;
      low when the endpoint itself requires a login;
    - introspection not disabled on an endpoint anonymous callers can reach (no
      `DisableIntrospection` / `NoSchemaIntrospectionCustomRule` validation rule or extension, no
      ariadne `introspection=False`, no middleware that blocks `__schema`). Low severity.

    An IDE flag that follows a debug switch (`graphiql=settings.DEBUG`, `if settings.DEBUG:` around
    the URL) is not reported as an IDE.

    ## Why it matters
    Introspection returns every type, field, argument and mutation, including the ones the
    front end never calls: an attacker gets a map of admin mutations, internal fields and debug
    resolvers before sending the first real query, and GraphiQL turns that map into a
    point-and-click console (CWE-200 Exposure of Sensitive Information, CWE-1188 Insecure Default
    Initialization of Resource, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Introspection blocked by a gateway, a WAF or a custom validation rule whose name does not say
    "introspection" is not seen. Which settings module production uses is not known.
    Settings-driven IDE flags (`graphiql=config.GRAPHIQL`) are taken as on. A project middleware
    that blocks introspection but hands every field on under a switch that does not read the
    query (`if settings.ALLOW_INTROSPECTION: return next(root, info, **kwargs)`) counts only
    half: the endpoint is reported at low confidence, naming the switch.

    ## References
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    - https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html
    - https://docs.graphene-python.org/en/latest/execution/queryvalidation/
    """

    code = "GQL001"
    name = "graphql-introspection-enabled"
    summary = "GraphiQL served or schema introspection left on for anonymous callers"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"graphql"})
    cwe = (200, 1188)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask
        from flask_graphql import GraphQLView

        from schema import schema

        app = Flask(__name__)
        view = GraphQLView.as_view("graphql", schema=schema, graphiql=True)
        app.add_url_rule("/graphql", view_func=view)  # expect: GQL001, GQL002
    """, files=(("schema.py", """
        import graphene

        class Query(graphene.ObjectType):
            hello = graphene.String()

        schema = graphene.Schema(query=Query)
    """),), config='auth = { public-paths = ["/graphql"] }')

    good = Example("""
        from flask import Flask
        from flask_graphql import GraphQLView
        from flask_login import login_required
        from graphene.validation import DisableIntrospection, depth_limit_validator

        from schema import schema

        app = Flask(__name__)
        rules = [DisableIntrospection, depth_limit_validator(max_depth=8)]
        view = GraphQLView.as_view("graphql", schema=schema, validation_rules=rules)
        app.add_url_rule("/graphql", view_func=login_required(view))
    """, files=(("schema.py", """
        import graphene

        class Query(graphene.ObjectType):
            hello = graphene.String()

        schema = graphene.Schema(query=Query)
    """),))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per endpoint: the IDE when it is on, else introspection."""
        for endpoint in ctx.facts.graphql:
            if endpoint.ide is not None and not endpoint.ide_debug_only:
                yield self._ide(endpoint)
            elif not firm(endpoint.introspection_off) and not requires_login(endpoint):
                skipped = switched(endpoint.introspection_off)
                yield self.finding(
                    endpoint.location,
                    f"Introspection is not disabled on {where(endpoint)}" + (
                        f" whenever its blocking middleware steps aside: {skipped}" if skipped else "") +
                    ": any caller can download the whole schema, every type, field and mutation, including those "
                    "the client never uses", _FIX_INTROSPECTION, severity=Severity.LOW,
                    confidence=Confidence.LOW if skipped else Confidence.MEDIUM,
                    symbol=endpoint.path or endpoint.schema)

    def _ide(self, endpoint: GraphQLEndpoint) -> Finding:
        ide = endpoint.ide
        assert ide is not None
        explicit = ide.kind != "default"
        how = f"`{ide.name}={ide.detail}`" if ide.kind == "option" else (
            f"`{ide.name}`" if ide.kind == "handler" else f"{endpoint.library}'s default")
        introspection = "" if firm(endpoint.introspection_off) else " and introspection is on"
        anchor = ide.location if explicit and ide.location is not None else endpoint.location
        if requires_login(endpoint):
            return self.finding(
                anchor, f"GraphiQL is served on {where(endpoint)} ({how}){introspection}; only signed-in users "
                "reach it, but any of them can browse the whole schema", _FIX_IDE, severity=Severity.LOW,
                confidence=Confidence.LOW, symbol=endpoint.path or endpoint.schema)
        return self.finding(
            anchor, f"GraphiQL is served on {where(endpoint)} ({how}){introspection}: anyone can browse the "
            "whole schema and run queries from a browser", _FIX_IDE,
            confidence=None if explicit else Confidence.MEDIUM, symbol=endpoint.path or endpoint.schema)
