"""GQL rules: precision cases beyond the rules' own examples and the fixture apps."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apilint.model import Finding
from apilint.testing import analyze_dir


def _findings(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    for rel, source in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = analyze_dir(tmp_path, select=("GQL",))
    assert not [d for d in result.diagnostics if d.internal], result.diagnostics
    return list(result.findings)


SCHEMA = """
    import graphene

    class CreateNote(graphene.Mutation):
        ok = graphene.Boolean()

        def mutate(self, info, text):
            Note.objects.create(text=text)
            return CreateNote(ok=True)

    class ObtainToken(graphene.Mutation):
        token = graphene.String()

        def mutate(self, info, username, password):
            user = User.objects.get(username=username)
            user.save()
            return ObtainToken(token="x")

    class Query(graphene.ObjectType):
        hello = graphene.String()

    class Mutation(graphene.ObjectType):
        create_note = CreateNote.Field()
        token = ObtainToken.Field()

    schema = graphene.Schema(query=Query, mutation=Mutation)
"""


def test_debug_only_graphiql_and_limits_leave_only_the_mutation(tmp_path: Path) -> None:
    found = _findings(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/main.py": """
            import os
            from flask import Flask
            from flask_graphql import GraphQLView
            from graphene.validation import DisableIntrospection, depth_limit_validator
            from app.schema import schema

            app = Flask(__name__)
            DEBUG = os.environ.get("FLASK_DEBUG") == "1"
            view = GraphQLView.as_view("graphql", schema=schema, graphiql=DEBUG,
                                       validation_rules=[DisableIntrospection, depth_limit_validator(max_depth=9)])
            app.add_url_rule("/graphql", view_func=view)
        """,
    })
    assert [(f.code, f.symbol) for f in found] == [("GQL003", "app.schema.CreateNote.mutate")]


def test_login_required_endpoint_lowers_ide_and_silences_mutations(tmp_path: Path) -> None:
    found = _findings(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/main.py": """
            from flask import Flask
            from flask_login import login_required
            from flask_graphql import GraphQLView
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule("/graphql", view_func=login_required(GraphQLView.as_view("g", schema=schema,
                                                                                       graphiql=True)))
        """,
    })
    by_code = {f.code: f for f in found}
    assert set(by_code) == {"GQL001", "GQL002"}
    assert by_code["GQL001"].severity.value == "low" and by_code["GQL001"].confidence.value == "low"
    assert by_code["GQL002"].severity.value == "low"


def test_batching_without_cap_is_reported_even_with_a_depth_limit(tmp_path: Path) -> None:
    found = _findings(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/urls.py": """
            from django.contrib.auth.decorators import login_required
            from django.urls import path
            from graphene.validation import DisableIntrospection, depth_limit_validator
            from graphene_django.views import GraphQLView
            from app.schema import schema

            urlpatterns = [
                path("graphql/", login_required(GraphQLView.as_view(
                    schema=schema, batch=True, validation_rules=[DisableIntrospection, depth_limit_validator(5)]))),
            ]
        """,
        "app/settings.py": 'ROOT_URLCONF = "app.urls"\n',
    })
    assert [f.code for f in found] == ["GQL002"]
    assert "batched" in found[0].message


def test_custom_graphql_middleware_makes_mutations_low_confidence(tmp_path: Path) -> None:
    found = _findings(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/middleware.py": """
            class AuthMiddleware:
                def resolve(self, next, root, info, **kwargs):
                    return next(root, info, **kwargs)
        """,
        "app/main.py": """
            from flask import Flask
            from flask_graphql import GraphQLView
            from graphene.validation import DisableIntrospection, depth_limit_validator
            from app.middleware import AuthMiddleware
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule("/graphql", view_func=GraphQLView.as_view(
                "graphql", schema=schema, middleware=[AuthMiddleware()],
                validation_rules=[DisableIntrospection, depth_limit_validator(max_depth=9)]))
        """,
    })
    assert [(f.code, f.confidence.value) for f in found] == [("GQL003", "low")]


def test_middleware_that_never_looks_at_the_caller_leaves_the_endpoint_open(tmp_path: Path) -> None:
    """A deny list or operation-name allow-list reads only the query text: the endpoint stays
    unauthenticated, so mutations are judged as if it had no middleware at all."""
    main = """
        from flask import Flask
        from flask_graphql import GraphQLView
        from graphene.validation import DisableIntrospection, depth_limit_validator
        from app.middleware import BlockedQueriesMiddleware, OperationNameMiddleware
        from app.schema import schema

        app = Flask(__name__)
        app.add_url_rule("/graphql", view_func=GraphQLView.as_view(
            "graphql", schema=schema, middleware=[BlockedQueriesMiddleware(), OperationNameMiddleware()],
            validation_rules=[DisableIntrospection, depth_limit_validator(max_depth=9)]))
    """
    found = _findings(tmp_path / "a", {
        "app/schema.py": SCHEMA,
        "app/middleware.py": """
            BLOCKED = ("systemHealth",)


            class BlockedQueriesMiddleware:
                def resolve(self, next, root, info, **kwargs):
                    if any(name in str(info.context.json) for name in BLOCKED):
                        raise ValueError("query blocked")
                    return next(root, info, **kwargs)


            class OperationNameMiddleware:
                def resolve(self, next, root, info, **kwargs):
                    if info.operation.name is None:
                        raise ValueError("name your operation")
                    return next(root, info, **kwargs)
        """,
        "app/main.py": main,
    })
    bare = _findings(tmp_path / "b", {
        "app/schema.py": SCHEMA,
        "app/main.py": """
            from flask import Flask
            from flask_graphql import GraphQLView
            from graphene.validation import DisableIntrospection, depth_limit_validator
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule("/graphql", view_func=GraphQLView.as_view(
                "graphql", schema=schema, validation_rules=[DisableIntrospection, depth_limit_validator(max_depth=9)]))
        """,
    })
    assert [(f.code, f.confidence.value) for f in found] == [(f.code, f.confidence.value) for f in bare]
    assert [f.code for f in found] == ["GQL003"]
    assert "cannot tell" not in found[0].message


GUARDS = """
    from app import settings


    class IntrospectionBlocker:
        def resolve(self, next, root, info, **kwargs):
            if settings.ALLOW_INTROSPECTION:
                return next(root, info, **kwargs)
            if info.field_name in ("__schema", "__type"):
                raise PermissionError("introspection is disabled")
            return next(root, info, **kwargs)


    class DepthGuard:
        def resolve(self, next, root, info, **kwargs):
            if info.path and len(info.path.as_list()) > 12:
                raise ValueError("query too deep")
            return next(root, info, **kwargs)
"""


def test_protection_middleware_with_an_off_switch_is_weaker_evidence(tmp_path: Path) -> None:
    """An introspection blocker that hands every field on while a setting is on protects only
    while it is off: reported at low confidence, naming the switch. A check that reads the
    query itself (`info.path`) is the protection, not a switch."""
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/settings.py": "ALLOW_INTROSPECTION = False\n",
        "app/schema.py": SCHEMA.replace("class Mutation", "class _Unused").replace("mutation=Mutation", ""),
        "app/guards.py": GUARDS,
        "app/main.py": """
            from flask import Flask
            from flask_graphql import GraphQLView
            from app.guards import DepthGuard, IntrospectionBlocker
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule("/graphql", view_func=GraphQLView.as_view(
                "graphql", schema=schema, middleware=[IntrospectionBlocker(), DepthGuard()]))
        """,
    })
    assert [(f.code, f.confidence.value) for f in found if f.code != "GQL003"] == [("GQL001", "low")]
    assert "skipped when `settings.ALLOW_INTROSPECTION`" in found[0].message
