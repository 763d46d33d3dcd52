"""GraphQL adapter: endpoints mounted in Django, Flask and FastAPI, their options and resolvers."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, ProjectFacts, Route
from apilint.testing import analyze_files


def _project(tmp_path: Path, files: dict[str, str]) -> tuple[dict[tuple[str, str], Route], ProjectFacts]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}, result.facts


SCHEMA = """
    import graphene

    class Query(graphene.ObjectType):
        hello = graphene.String()

    schema = graphene.Schema(query=Query)
"""


def test_django_view_wrapped_in_login_required_replaces_the_any_route(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "proj/settings.py": 'ROOT_URLCONF = "proj.urls"\nGRAPHENE = {"SCHEMA": "proj.schema.schema"}\n',
        "proj/schema.py": SCHEMA,
        "proj/urls.py": """
            from django.contrib.auth.decorators import login_required
            from django.urls import include, path
            from graphene_django.views import GraphQLView
            urlpatterns = [path("api/", include("proj.api_urls"))]
        """,
        "proj/api_urls.py": """
            from django.contrib.auth.decorators import login_required
            from django.urls import path
            from graphene_django.views import GraphQLView
            urlpatterns = [path("graphql/", login_required(GraphQLView.as_view(graphiql=True, batch=True)))]
        """,
    })
    assert set(routes) == {("GET", "/api/graphql/"), ("POST", "/api/graphql/")}
    route = routes[("POST", "/api/graphql/")]
    assert route.framework == "graphql"
    assert route.auth.status is AuthStatus.REQUIRED
    (endpoint,) = facts.graphql
    assert endpoint.library == "graphene-django"
    assert endpoint.schema == "proj.schema.schema"
    assert endpoint.ide is not None and endpoint.batching is not None
    assert endpoint.auth.status is AuthStatus.REQUIRED


def test_django_subclass_with_mixin_and_debug_only_graphiql(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "proj/settings.py": 'ROOT_URLCONF = "proj.urls"\n',
        "proj/schema.py": SCHEMA,
        "proj/views.py": """
            from django.contrib.auth.mixins import LoginRequiredMixin
            from graphene_django.views import GraphQLView

            class PrivateGraphQLView(LoginRequiredMixin, GraphQLView):
                pass
        """,
        "proj/urls.py": """
            from django.conf import settings
            from django.urls import path
            from graphene.validation import DisableIntrospection
            from proj.schema import schema
            from proj.views import PrivateGraphQLView
            urlpatterns = [
                path("graphql", PrivateGraphQLView.as_view(schema=schema, graphiql=settings.DEBUG,
                                                           validation_rules=[DisableIntrospection])),
            ]
        """,
    })
    assert routes[("GET", "/graphql")].auth.status is AuthStatus.REQUIRED
    (endpoint,) = facts.graphql
    assert endpoint.ide_debug_only
    assert [e.name for e in endpoint.introspection_off] == ["graphene.validation.DisableIntrospection"]


def test_flask_blueprint_prefix_and_graphql_server_view(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/api.py": """
            from flask import Blueprint
            from graphql_server.flask import GraphQLView
            from app.schema import schema

            bp = Blueprint("api", __name__, url_prefix="/v1")
            bp.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema))
        """,
        "app/main.py": """
            from flask import Flask
            from app.api import bp

            def create_app():
                app = Flask(__name__)
                app.register_blueprint(bp, url_prefix="/api")
                return app
        """,
    })
    assert ("POST", "/api/graphql") in routes
    (endpoint,) = facts.graphql
    assert endpoint.ide is None and endpoint.auth.status is AuthStatus.NONE
    assert routes[("POST", "/api/graphql")].auth.status is AuthStatus.UNKNOWN


def test_fastapi_router_chain_and_context_getter_auth(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "app/auth.py": """
            from fastapi import Depends, HTTPException
            from fastapi.security import OAuth2PasswordBearer
            oauth2 = OAuth2PasswordBearer(tokenUrl="token")
            def current_user(token: str = Depends(oauth2)):
                if not token:
                    raise HTTPException(status_code=401)
                return token
        """,
        "app/gql.py": """
            import strawberry
            from fastapi import Depends
            from strawberry.extensions import QueryDepthLimiter
            from strawberry.fastapi import GraphQLRouter
            from app.auth import current_user

            @strawberry.type
            class Query:
                hello: str = "hi"

            schema = strawberry.Schema(query=Query, extensions=[QueryDepthLimiter(max_depth=5)])

            async def context(user=Depends(current_user)):
                return {"user": user}

            router = GraphQLRouter(schema, context_getter=context, graphiql=False)
        """,
        "app/main.py": """
            from fastapi import APIRouter, FastAPI
            from app.gql import router as gql
            api = APIRouter(prefix="/v2")
            api.include_router(gql, prefix="/graphql")
            app = FastAPI()
            app.include_router(api, prefix="/api")
        """,
    })
    assert routes[("POST", "/api/v2/graphql")].auth.status is AuthStatus.REQUIRED
    (endpoint,) = facts.graphql
    assert endpoint.ide is None
    assert endpoint.limits and endpoint.schema == "app.gql.schema"


def test_ariadne_asgi_mount_and_mutation_resolvers(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "app/main.py": """
            from ariadne import MutationType, QueryType, make_executable_schema
            from ariadne.asgi import GraphQL
            from starlette.applications import Starlette

            query = QueryType()
            mutation = MutationType()

            @mutation.field("addNote")
            def resolve_add_note(_, info, text):
                info.context["db"].add(text)
                return True

            schema = make_executable_schema("type Query { x: Int } type Mutation { addNote(text: String): Boolean }",
                                            query, mutation)
            app = Starlette()
            app.mount("/graphql", GraphQL(schema, introspection=False))
        """,
    })
    assert ("GET", "/graphql") in routes
    (endpoint,) = facts.graphql
    assert endpoint.library == "ariadne" and endpoint.introspection_off and endpoint.ide is not None
    (resolver,) = facts.graphql_resolvers
    assert resolver.field == "addNote" and resolver.library == "ariadne"
    assert resolver.endpoint_auth.status is AuthStatus.NONE


def test_handler_executing_the_schema_is_an_endpoint(tmp_path: Path) -> None:
    routes, facts = _project(tmp_path, {
        "app/main.py": """
            from ariadne import graphql_sync
            from ariadne.constants import PLAYGROUND_HTML
            from flask import Flask, jsonify, request
            from app.schema import schema

            app = Flask(__name__)

            @app.route("/graphql", methods=["GET"])
            def playground():
                return PLAYGROUND_HTML, 200

            @app.route("/graphql", methods=["POST"])
            def graphql_server():
                success, result = graphql_sync(schema, request.get_json(), context_value=request)
                return jsonify(result), 200 if success else 400
        """,
        "app/schema.py": """
            from ariadne import QueryType, make_executable_schema
            query = QueryType()
            schema = make_executable_schema("type Query { x: Int }", query)
        """,
    })
    assert routes[("POST", "/graphql")].framework == "flask"
    (endpoint,) = facts.graphql
    assert endpoint.path == "/graphql" and endpoint.ide is not None and endpoint.ide.name == "PLAYGROUND_HTML"


def test_no_graphql_library_means_no_facts(tmp_path: Path) -> None:
    _routes, facts = _project(tmp_path, {
        "app/main.py": """
            from fastapi import FastAPI
            app = FastAPI()
            @app.get("/graphql")
            def fake() -> dict[str, str]:
                return {}
        """,
    })
    assert facts.graphql == () and facts.graphql_resolvers == ()


def test_flask_subclass_overriding_dispatch_request_is_one_graphql_endpoint(tmp_path: Path) -> None:
    """A project GraphQLView subclass that overrides dispatch_request is a GraphQL endpoint, not
    also a plain Flask view: one GET and one POST route on the path, from the GraphQL adapter."""
    routes, facts = _project(tmp_path, {
        "app/schema.py": SCHEMA,
        "app/views.py": """
            from flask import Response, request
            from flask_graphql import GraphQLView

            class TracingView(GraphQLView):
                def dispatch_request(self):
                    response = super().dispatch_request()
                    response.headers["X-Request-Id"] = request.headers.get("X-Request-Id", "")
                    return response
        """,
        "app/main.py": """
            from flask import Flask
            from app.schema import schema
            from app.views import TracingView

            app = Flask(__name__)
            bp_view = TracingView.as_view("graphql", schema=schema, batch=True)
            app.add_url_rule("/api/graphql", view_func=bp_view, methods=["GET", "POST"])
        """,
    })
    assert set(routes) == {("GET", "/api/graphql"), ("POST", "/api/graphql")}
    assert {r.framework for r in routes.values()} == {"graphql"}
    assert routes[("POST", "/api/graphql")].handler == "app.views.TracingView"
    (endpoint,) = facts.graphql
    assert endpoint.batching is not None
