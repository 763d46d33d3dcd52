"""Each codemod with the source before and the source expected after (Fixit's expected_replacement)."""

from __future__ import annotations

import textwrap

import pytest
from apilint.fixes import plan as P
from apilint.fixes.outbound import verify_certificates
from apilint.summarize import summarize_source
from apilint.summary import walk_stmts


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- call-arguments ------------------------------------------------------------------

def test_keywords_are_added_replaced_and_positional_slots_reused(tree) -> None:
    source = """
        def view(response):
            response.set_cookie("sid", token, None, None, "/", None, False)
            response.set_cookie(key="theme", value="dark", httponly=False)
    """
    cookie = ["secure=True", "httponly=True", 'samesite="lax"']
    where = ["6:secure", "7:httponly", "8:samesite"]
    out = tree.fix(source, P.call_arguments("t", P.SAFE, "app.py", 2, "response.set_cookie", set=cookie,
                                            positional=where),
                   P.call_arguments("t", P.SAFE, "app.py", 3, "response.set_cookie", set=cookie, positional=where))
    assert out == d("""
        def view(response):
            response.set_cookie("sid", token, None, None, "/", None, True, httponly=True, samesite="lax")
            response.set_cookie(key="theme", value="dark", httponly=True, secure=True, samesite="lax")
    """)


def test_dict_key_list_item_and_keyword_removal(tree) -> None:
    source = """
        import jwt

        a = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_signature": False})
        b = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_signature": False, "verify_aud": False})
        c = jwt.decode(token, KEY, ["none", "HS256"])
        d = jwt.decode(token, KEY, verify=False, algorithms=["HS256"])
    """
    out = tree.fix(source,
                   P.call_arguments("t", P.SAFE, "app.py", 3, "jwt.decode", drop_keys=["options:verify_signature"]),
                   P.call_arguments("t", P.SAFE, "app.py", 4, "jwt.decode", drop_keys=["options:verify_signature"]),
                   P.call_arguments("t", P.SAFE, "app.py", 5, "jwt.decode", drop_items=["#2:none"]),
                   P.call_arguments("t", P.SAFE, "app.py", 6, "jwt.decode", remove=["verify"]))
    assert out == d("""
        import jwt

        a = jwt.decode(token, KEY, algorithms=["HS256"])
        b = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False})
        c = jwt.decode(token, KEY, ["HS256"])
        d = jwt.decode(token, KEY, algorithms=["HS256"])
    """)


def test_one_argument_a_line_keeps_its_layout_and_trailing_comma(tree) -> None:
    source = """
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["*"],
        )
        q = Query(
            50,
            ge=1
        )
    """
    out = tree.fix(source,
                   P.call_arguments("t", P.UNSAFE, "app.py", 1, "app.add_middleware", set=["allow_credentials=False"]),
                   P.call_arguments("t", P.SAFE, "app.py", 6, "Query", set=["le=100"]))
    assert out == d("""
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_credentials=False,
        )
        q = Query(
            50,
            ge=1,
            le=100
        )
    """)


def test_append_positional_and_extend_a_list_keyword(tree) -> None:
    source = """
        order = db.query(Order).filter(Order.id == order_id).first()

        @router.delete("/{id}")
        def a(): ...

        @router.delete("/{id}", dependencies=[Depends(audit)])
        def b(): ...
    """
    out = tree.fix(source,
                   P.call_arguments("t", P.UNSAFE, "app.py", 1, ".filter",
                                    append=["Order.owner_id == current_user.id"]),
                   P.call_arguments("t", P.UNSAFE, "app.py", 4, "router.delete", decorators=True,
                                    extend=["dependencies=Depends(get_user)"]),
                   P.call_arguments("t", P.UNSAFE, "app.py", 7, "router.delete", decorators=True,
                                    extend=["dependencies=Depends(get_user)"]))
    assert out == d("""
        order = db.query(Order).filter(Order.id == order_id, Order.owner_id == current_user.id).first()

        @router.delete("/{id}", dependencies=[Depends(get_user)])
        def a(): ...

        @router.delete("/{id}", dependencies=[Depends(audit), Depends(get_user)])
        def b(): ...
    """)


def test_the_ordinal_picks_the_call_among_calls_to_the_same_callee(tree) -> None:
    out = tree.fix("x = f(1) + f(2)\n", P.call_arguments("t", P.SAFE, "app.py", 1, "f", ordinal=1, set=["k=0"]))
    assert out == "x = f(1) + f(2, k=0)\n"


def test_keyword_arguments_passed_as_a_mapping_are_not_edited(tree) -> None:
    tree.write({"app.py": "response.set_cookie('sid', token, **options)\n"})
    result = tree.run_pass([P.call_arguments("t", P.SAFE, "app.py", 1, "response.set_cookie", set=["secure=True"])])
    assert not result.changes and "**kwargs" in result.problems[0].message


# --- references and imports ---------------------------------------------------------

def test_references_follow_the_file_import_style(tree) -> None:
    source = """
        from fastapi import APIRouter, Depends

        from app import schemas

        router = APIRouter()


        @router.get("/me")
        def me(): ...
    """
    out = tree.fix(source, P.call_arguments("t", P.UNSAFE, "app/routes.py", 9, "router.get", decorators=True,
                                            set=["response_model=@{app.schemas.UserOut}"]),
                   path="app/routes.py", modules={"app/routes.py": ("app.routes", False)})
    assert '@router.get("/me", response_model=schemas.UserOut)' in out
    assert out.count("import") == 2


def test_a_name_joins_the_existing_from_import_in_sorted_order_and_layout(tree) -> None:
    source = """
        from fastapi import (
            APIRouter,
            HTTPException,
        )
        from flask import Blueprint, jsonify

        x = HTTPException
        y = jsonify
    """
    out = tree.fix(source, P.statement_value("t", P.SAFE, "app.py", 7, "@{fastapi.Depends}"),
                   P.statement_value("t", P.SAFE, "app.py", 8, "@{flask.abort}"))
    assert out == d("""
        from fastapi import (
            APIRouter,
            Depends,
            HTTPException,
        )
        from flask import Blueprint, abort, jsonify

        x = Depends
        y = abort
    """)


def test_new_imports_go_to_their_section_once(tree) -> None:
    source = '''
        """Service."""
        from fastapi import FastAPI

        from app.core import config

        app = FastAPI(debug=True)
        other = FastAPI(debug=True)
    '''
    debug = 'debug=@{os}.environ.get("DEBUG") == "1"'
    out = tree.fix(source, P.call_arguments("t", P.SAFE, "app/main.py", 6, "FastAPI", set=[debug]),
                   P.call_arguments("t", P.SAFE, "app/main.py", 7, "FastAPI", set=[debug]),
                   path="app/main.py", modules={"app/main.py": ("app.main", False)})
    assert out == d('''
        """Service."""
        import os

        from fastapi import FastAPI

        from app.core import config

        app = FastAPI(debug=os.environ.get("DEBUG") == "1")
        other = FastAPI(debug=os.environ.get("DEBUG") == "1")
    ''')


def test_a_file_that_imports_its_package_relatively_gets_a_relative_import(tree) -> None:
    source = """
        from ..deps import get_db

        x = 1
    """
    out = tree.fix(source, P.statement_value("t", P.SAFE, "app/api/routes/items.py", 3,
                                             "@{app.api.schemas.ItemOut}"),
                   path="app/api/routes/items.py", modules={"app/api/routes/items.py": ("app.api.routes.items", False)})
    assert out == "from ..deps import get_db\nfrom ..schemas import ItemOut\n\nx = ItemOut\n"


def test_a_reference_that_would_shadow_another_name_is_refused(tree) -> None:
    tree.write({"app.py": "from mylib import os\nx = 1\n"})
    result = tree.run_pass([P.statement_value("t", P.SAFE, "app.py", 2, "@{os}.sep")])
    assert not result.changes and "already names something else" in result.problems[0].message


# --- statements ----------------------------------------------------------------------

def test_statement_value_with_the_old_value_and_a_following_setting(tree) -> None:
    source = """
        import os

        DEBUG = True
        CORS_ALLOW_ALL_ORIGINS = True
        per_page = request.args.get("per_page", 20, type=int)
    """
    out = tree.fix(source,
                   P.statement_value("t", P.SAFE, "app.py", 3, '@{os}.environ.get("DJANGO_DEBUG") == "1"'),
                   P.statement_value("t", P.UNSAFE, "app.py", 4, "False", code="CORS_ALLOWED_ORIGINS = []",
                                     unless_defined="CORS_ALLOWED_ORIGINS"),
                   P.statement_value("t", P.SAFE, "app.py", 5, "min(@{value}, 100)"))
    assert out == d("""
        import os

        DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
        CORS_ALLOW_ALL_ORIGINS = False
        CORS_ALLOWED_ORIGINS = []
        per_page = min(request.args.get("per_page", 20, type=int), 100)
    """)


def test_an_if_test_is_extended_and_loose_values_are_parenthesized(tree) -> None:
    source = """
        def view(order):
            if order is None:
                raise NotFound()
            x = a if b else c
    """
    out = tree.fix(source, P.statement_value("t", P.UNSAFE, "app.py", 2, "@{value} or order.owner_id != me.id"),
                   P.statement_value("t", P.SAFE, "app.py", 4, "str(@{value})"))
    assert out == d("""
        def view(order):
            if order is None or order.owner_id != me.id:
                raise NotFound()
            x = str((a if b else c))
    """)


def test_statements_after_and_first_in_a_body_after_the_docstring(tree) -> None:
    source = '''
        def list_items(limit: int = 50):
            """List."""
            note = Note.query.get_or_404(note_id)
            return note
    '''
    out = tree.fix(source, P.insert_statements("t", P.SAFE, "app.py", 1, "limit = min(limit, 100)", where="body"),
                   P.insert_statements("t", P.UNSAFE, "app.py", 3, "if note.owner_id != me.id:\n    abort(404)"))
    assert out == d('''
        def list_items(limit: int = 50):
            """List."""
            limit = min(limit, 100)
            note = Note.query.get_or_404(note_id)
            if note.owner_id != me.id:
                abort(404)
            return note
    ''')


def test_inserted_statements_take_the_file_indent(tree) -> None:
    source = "def f(limit):\n\treturn limit\n"
    out = tree.fix(source, P.insert_statements("t", P.SAFE, "app.py", 1, "if limit > 9:\n    limit = 9", where="body"))
    assert out == "def f(limit):\n\tif limit > 9:\n\t\tlimit = 9\n\treturn limit\n"


def test_a_one_line_block_gets_no_neighbour(tree) -> None:
    tree.write({"app.py": "def f():\n    try:\n        run()\n    except OSError as e: return str(e)\n"})
    result = tree.run_pass([P.generic_error("t", "app.py", 4, "except")])
    assert "one-line block" in result.problems[0].message and not result.changes


def test_dict_entries_follow_the_dict_layout(tree) -> None:
    source = """
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        }
        SMALL = {"a": 1}
    """
    out = tree.fix(source, P.dict_entries("t", P.UNSAFE, "app.py", 1, ['PAGE_SIZE=100']),
                   P.dict_entries("t", P.UNSAFE, "app.py", 4, ["b=2"]))
    assert out == d("""
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "PAGE_SIZE": 100,
        }
        SMALL = {"a": 1, "b": 2}
    """)


# --- copy-auth ---------------------------------------------------------------------

ROUTER = """
    from fastapi import APIRouter, Depends

    from app.deps import CurrentUser, get_admin, get_db

    router = APIRouter()


    @router.get("/")
    def read(current_user: CurrentUser, db=Depends(get_db)):
        return []


    @router.get("/all", dependencies=[Depends(get_admin)])
    def read_all():
        return []


    @router.delete("/{item_id}")
    def delete(item_id: int, db=Depends(get_db)):
        return None
"""


def test_a_sibling_parameter_is_copied_before_the_parameters_with_defaults(tree) -> None:
    out = tree.fix(ROUTER, P.copy_auth("t", "app.py", 19, "parameter", "app.py", 9, name="current_user"))
    assert "def delete(item_id: int, current_user: CurrentUser, db=Depends(get_db)):" in out


def test_a_sibling_route_dependency_is_copied(tree) -> None:
    out = tree.fix(ROUTER, P.copy_auth("t", "app.py", 19, "route-dependency", "app.py", 14, index=0))
    assert '@router.delete("/{item_id}", dependencies=[Depends(get_admin)])' in out


def test_a_decorator_from_a_sibling_in_another_file_brings_its_import(tree) -> None:
    files = {"app/notes/a.py": """
        from flask_login import login_required as needs_login

        from app.notes import bp


        @bp.route("/a")
        @needs_login
        def a():
            return "a"
    """}
    source = """
        from app.notes import bp


        @bp.route("/b", methods=["DELETE"])
        def b():
            return "b"
    """
    out = tree.fix(source, P.copy_auth("t", "app/notes/b.py", 5, "decorator", "app/notes/a.py", 8, index=1,
                                       names=["needs_login=flask_login.login_required"]),
                   path="app/notes/b.py", files=files, modules={"app/notes/b.py": ("app.notes.b", False)})
    assert out == d("""
        from flask_login import login_required

        from app.notes import bp


        @bp.route("/b", methods=["DELETE"])
        @login_required
        def b():
            return "b"
    """)


def test_a_view_class_gets_the_sibling_permission_classes(tree) -> None:
    source = '''
        from rest_framework.permissions import IsAuthenticated
        from rest_framework.views import APIView


        class A(APIView):
            permission_classes = [IsAuthenticated]


        class B(APIView):
            """B."""

            def get(self, request): ...
    '''
    out = tree.fix(source, P.copy_auth("t", "app.py", 9, "class-attribute", "app.py", 5, name="permission_classes"))
    assert '    """B."""\n    permission_classes = [IsAuthenticated]\n' in out


# --- generic-error --------------------------------------------------------------------

def test_exception_text_becomes_a_generic_message_and_is_logged(tree) -> None:
    source = """
        from fastapi import HTTPException


        def upload():
            try:
                store()
            except OSError as e:
                message = str(e)
                raise HTTPException(
                    status_code=500, detail=f"Could not store file: {e}", headers={"x": message})
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 9, "except"))
    assert out == d("""
        import logging

        from fastapi import HTTPException

        logger = logging.getLogger(__name__)


        def upload():
            try:
                store()
            except OSError as e:
                message = str(e)
                logger.exception("Could not store file")
                raise HTTPException(
                    status_code=500, detail="Could not store file", headers={"x": "Internal server error"})
    """)


def test_an_exception_handler_logs_with_exc_info_through_the_module_logger(tree) -> None:
    source = """
        import logging
        import traceback

        log = logging.getLogger("api")


        async def handler(request, exc):
            return JSONResponse(content={"error": repr(exc), "trace": traceback.format_exc()})
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 8, "handler", ["exc"]))
    assert out.endswith(d("""
        async def handler(request, exc):
            log.error("Internal server error", exc_info=exc)
            return JSONResponse(content={"error": "Internal server error", "trace": "Internal server error"})
    """))


def test_a_block_that_already_logs_the_exception_is_not_logged_twice(tree) -> None:
    source = """
        import logging

        logger = logging.getLogger(__name__)


        def view():
            try:
                run()
            except Exception as exc:
                logger.exception("run failed")
                return {"error": str(exc)}, 500
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 11, "except"))
    assert out.count("logger.exception") == 1 and '{"error": "Internal server error"}' in out


# --- outbound verify=False (the TLS rule's fix, ready before the rule) ---------------------

@pytest.mark.parametrize(("line", "expected"), [
    ('requests.get(url, verify=False, timeout=5)', 'requests.get(url, timeout=5)'),
    ('client = httpx.Client(base_url=URL, verify=False)', 'client = httpx.Client(base_url=URL)'),
    ('resp = await session.get(url, ssl=False)', 'resp = await session.get(url)'),
    ('session.verify = False', 'session.verify = True'),
])
def test_outbound_certificate_checks_come_back(tree, line: str, expected: str) -> None:
    source = f"import httpx\nimport requests\n\n\nasync def call(url, session):\n    {line}\n"
    summary = summarize_source(source.encode(), "app.py")
    stmt = next(s for s in walk_stmts(summary.body, into_defs=True) if s.line == 6)
    calls = [c for e in stmt.own_exprs() for c in e.calls()]
    fix_plan = verify_certificates("app.py", stmt, calls[0] if calls else None)
    assert fix_plan is not None and fix_plan.applicability is P.SAFE
    assert tree.fix(source, fix_plan).splitlines()[5] == f"    {expected}"


def test_outbound_calls_that_verify_get_no_plan() -> None:
    summary = summarize_source(b"requests.get(url, verify=True)\n", "app.py")
    stmt = summary.body[0]
    call = next(c for e in stmt.own_exprs() for c in e.calls())
    assert verify_certificates("app.py", stmt, call) is None


def test_loguru_and_an_exception_caught_further_out(tree) -> None:
    source = """
        from loguru import logger


        def view(scope_id):
            try:
                return load(scope_id)
            except ScopeNotFound as ex:
                try:
                    return fallback()
                except ScopeNotFound:
                    raise HTTPException(404, detail=str(ex))


        async def handler(request, exc):
            return JSONResponse({"detail": str(exc)})
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 11, "except"),
                   P.generic_error("t", "app.py", 15, "handler", ["exc"]))
    assert out == d("""
        from loguru import logger


        def view(scope_id):
            try:
                return load(scope_id)
            except ScopeNotFound as ex:
                try:
                    return fallback()
                except ScopeNotFound:
                    logger.exception("Not Found")
                    raise HTTPException(404, detail="Not Found")


        async def handler(request, exc):
            logger.opt(exception=exc).error("Internal server error")
            return JSONResponse({"detail": "Internal server error"})
    """)


def test_a_client_error_gets_its_reason_phrase_instead_of_a_server_error(tree) -> None:
    source = """
        def view():
            try:
                run()
            except LookupError as exc:
                raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=str(exc))
            except ValueError as exc:
                return jsonify({"error": str(exc)}), 422
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 5, "except"), P.generic_error("t", "app.py", 7, "except"))
    assert 'logger.exception("Not Found")' in out and 'detail="Not Found")' in out
    assert 'return jsonify({"error": "Unprocessable Entity"}), 422' in out


def test_a_module_of_a_loguru_project_imports_the_loguru_logger(tree) -> None:
    source = """
        from http import HTTPStatus


        def view():
            try:
                run()
            except ValueError as e:
                raise HTTPException(HTTPStatus.BAD_REQUEST, detail=str(e)) from e
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 8, "except", logger="loguru.logger"))
    assert out == d("""
        from http import HTTPStatus

        from loguru import logger


        def view():
            try:
                run()
            except ValueError as e:
                logger.exception("Bad Request")
                raise HTTPException(HTTPStatus.BAD_REQUEST, detail="Bad Request") from e
    """)


def test_a_module_without_a_logger_gets_one_from_the_project_factory(tree) -> None:
    source = """
        def view():
            try:
                run()
            except OSError as e:
                return {"error": str(e)}
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 5, "except", logger="app.log.get_logger"))
    assert out.startswith("from app.log import get_logger\n\nlogger = get_logger(__name__)\n")


def test_exception_text_in_joined_concatenated_and_reworked_values(tree) -> None:
    source = """
        def view():
            try:
                run()
            except ValidationError as error:
                return redirect_list(" ".join(error.messages))
            except OSError as e:
                return make_response(str(e).splitlines()[0] if str(e) else "Could not fetch", 502)
            except KeyError as e:
                return {"warning": f"Saved but not loaded: {e}. " "It loads on the next sync."}


        async def handler(request, exc):
            return render_error(request, exc) or JSONResponse(status_code=400, content={"detail": str(exc)})
    """
    out = tree.fix(source, P.generic_error("t", "app.py", 5, "except"), P.generic_error("t", "app.py", 7, "except"),
                   P.generic_error("t", "app.py", 9, "except"), P.generic_error("t", "app.py", 13, "handler", ["exc"]))
    assert 'return redirect_list("Internal server error")' in out
    assert 'return make_response("Internal server error" if str(e) else "Could not fetch", 502)' in out
    assert 'return {"warning": "Saved but not loaded"}' in out
    assert 'JSONResponse(status_code=400, content={"detail": "Internal server error"})' in out


def test_text_reworked_by_a_method_and_a_container_built_earlier(tree) -> None:
    source = """
        def view():
            try:
                run()
            except OSError as e:
                return plaintext_response(str(e).splitlines()[0], 401)


        def other():
            try:
                run()
            except ValueError as missing:
                body: dict[str, str] = {"status": "unhealthy", "message": str(missing)}
                return body
    """
    tree.write({"app.py": source})
    result = tree.run_pass([P.generic_error("t", "app.py", 5, "except"), P.generic_error("t", "app.py", 13, "except")])
    assert 'return plaintext_response("Internal server error".splitlines()[0], 401)' in result.changes[0].new_text
    assert "return body" in result.changes[0].new_text
    assert [p.location.line for p in result.problems] == [13] and "container" in result.problems[0].message
