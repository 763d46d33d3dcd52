"""AUTH006: login answers that tell an unknown account from a wrong password, and the ones that do not."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example


def _expect(example: Example) -> set[tuple[str, int, str]]:
    found, expected = run_example(example, select=("AUTH006",))
    assert found == expected.expect
    return found


def test_django_messages_and_a_status_code_alone_tell_the_difference():
    found = _expect(Example("""
        from django.contrib import messages
        from django.contrib.auth import login as auth_login
        from django.contrib.auth.models import User
        from django.http import JsonResponse
        from django.shortcuts import redirect, render
        from django.urls import path


        def sign_in(request):
            if request.method == "POST":
                user = User.objects.filter(username=request.POST["username"]).first()
                if user is None:  # expect: AUTH006
                    messages.error(request, "This username is not registered")
                    return redirect("sign_in")
                if not user.check_password(request.POST["password"]):
                    messages.error(request, "Wrong password, try again")
                    return redirect("sign_in")
                auth_login(request, user)
                return redirect("home")
            return render(request, "sign_in.html")


        def api_token(request):
            account = User.objects.filter(email=request.POST.get("email")).first()
            if not account:  # expect: AUTH006
                return JsonResponse({"detail": "Invalid credentials"}, status=404)
            if not account.check_password(request.POST.get("password")):
                return JsonResponse({"detail": "Invalid credentials"}, status=401)
            return JsonResponse({"token": "..."})


        urlpatterns = [path("accounts/signin/", sign_in), path("api/token/", api_token)]
    """))
    assert len(found) == 2


def test_one_answer_a_way_in_first_and_reset_flows_are_silent():
    _expect(Example("""
        import logging

        from fastapi import FastAPI, HTTPException
        from pydantic import BaseModel

        from store import find_user, send_reset_mail, verify

        app = FastAPI()
        log = logging.getLogger("auth")


        class Login(BaseModel):
            email: str
            password: str


        @app.post("/login")
        def login(body: Login):
            user = find_user(body.email)
            if user is None:
                log.info("login for unknown email %s", body.email)
                raise HTTPException(401, "Incorrect email or password")
            if not verify(body.password, user.password_hash):
                log.info("bad password for %s", user.id)
                raise HTTPException(401, "Incorrect email or password")
            return {"token": "..."}


        @app.post("/session")
        def open_session(body: Login):
            user = find_user(body.email)
            if user and verify(body.password, user.password_hash):
                return {"token": "..."}
            if user is None or not verify(body.password, user.password_hash):
                raise HTTPException(401, "Incorrect email or password")


        @app.post("/auth/token")
        def token(body: Login):
            user = find_user(body.email)
            if user is None or not verify(body.password, user.password_hash):
                raise HTTPException(401, "Incorrect email or password")
            return {"access_token": "..."}


        @app.post("/password/forgot")
        def forgot(body: Login):
            user = find_user(body.email)
            if user is None:
                raise HTTPException(404, "No such account")
            if not user.password_hash:
                raise HTTPException(400, "Account signs in with SSO")
            send_reset_mail(user)
            return {"sent": True}
    """, files=(("store.py", '''
        def find_user(email):
            return None


        def verify(password, hashed):
            return False


        def send_reset_mail(user):
            return None
    '''),)))
