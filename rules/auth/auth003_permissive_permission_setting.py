"""AUTH003: a permission setting that lets everyone in (DRF AllowAny default, explicit AllowAny, auth=None)."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import AuthStatus, Evidence, Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.auth._helpers import explicitly_permissive, is_public_by_design

_DEFAULT_SETTING = "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES"


class PermissivePermissionSetting(Rule):
    """
    ## What it finds
    - **A permissive project default**: Django REST framework with no
      `DEFAULT_PERMISSION_CLASSES` (DRF then allows anyone: `AllowAny`) or with `AllowAny` as
      the default, while at least one view that is not public by design relies on that
      default. Reported once, at the `REST_FRAMEWORK` assignment (or the first line of the
      settings module when there is none), not once per view.
    - **An explicit opt-out on a state-changing route**: `permission_classes = [AllowAny]`,
      `permission_classes = []`, `@permission_classes([AllowAny])`, or Django Ninja
      `auth=None` on a POST, PUT, PATCH or DELETE route that is not a login, register or
      password-reset flow. Reported at the view's `def` (or class) line, once per line.

    The views that rely on a permissive default are also reported by AUTH001 (each is
    reachable without authentication); an explicit opt-out is a deliberate choice that
    AUTH001 leaves to this rule.

    ## Why it matters
    A project-wide default of "allow anyone" makes every new view public until someone
    remembers to protect it, which is exactly how assistant-written views ship; an explicit
    `AllowAny` on a write endpoint lets anonymous callers change data (CWE-276 Incorrect
    Default Permissions, CWE-862 Missing Authorization, OWASP API2:2023 Broken
    Authentication).

    ## Options
    - `auth.public-paths`: path globs that are public by design.

    ## Known limitations
    Settings split over several modules are read where the Django adapter finds them; a
    default assembled at run time (from environment variables, by code) cannot be read and is
    not reported.

    ## References
    - https://cwe.mitre.org/data/definitions/276.html
    - https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy
    """

    code = "AUTH003"
    name = "permissive-permission-setting"
    summary = "Permission default or setting that lets anyone call state-changing views"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"drf", "ninja"})
    cwe = (276, 862)
    owasp = ("API2:2023",)
    options = ("auth.public-paths",)

    bad = Example("""
        from rest_framework import viewsets
        from rest_framework.permissions import AllowAny

        from models import Invoice
        from serializers import InvoiceSerializer


        class InvoiceViewSet(viewsets.ModelViewSet):  # expect: AUTH003
            queryset = Invoice.objects.all()
            serializer_class = InvoiceSerializer
            permission_classes = [AllowAny]
    """, files=(("urls.py", '''
        from rest_framework.routers import DefaultRouter

        from app import InvoiceViewSet

        router = DefaultRouter()
        router.register("invoices", InvoiceViewSet)
        urlpatterns = router.urls
    '''), ("settings.py", '''
        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        ROOT_URLCONF = "urls"
        INSTALLED_APPS = ["rest_framework"]
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
            "PAGE_SIZE": 25,
        }
    '''), ("models.py", '''
        from django.db import models


        class Invoice(models.Model):
            total = models.DecimalField(max_digits=10, decimal_places=2)
    '''), ("serializers.py", '''
        from rest_framework import serializers

        from models import Invoice


        class InvoiceSerializer(serializers.ModelSerializer):
            class Meta:
                model = Invoice
                fields = ["id", "total"]
    ''')))

    good = Example("""
        from rest_framework import viewsets
        from rest_framework.permissions import IsAuthenticated

        from models import Invoice
        from serializers import InvoiceSerializer


        class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
            queryset = Invoice.objects.all()
            serializer_class = InvoiceSerializer
            permission_classes = [IsAuthenticated]
    """, files=bad.files)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding for a permissive default, then one per explicitly opened write view."""
        yield from self._default(ctx)
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            if not route.is_unsafe or route.auth.status is not AuthStatus.NONE:
                continue
            if route.framework not in self.frameworks:
                continue  # DRF and Ninja opt-outs only: a Django view's `login_not_required` says it is public
            if not explicitly_permissive(route) or is_public_by_design(route, ctx.config):
                continue
            key = (route.location.file, route.location.line)
            if key in seen:
                continue
            seen.add(key)
            what = _permissive(route)
            yield self.finding(route, f"{route.display} explicitly allows anyone ({what}) although it changes state",
                               "Replace it with an authenticated permission (`IsAuthenticated` or stricter, "
                               "or the project's auth) for the state-changing methods")

    def _default(self, ctx: RuleContext) -> Iterator[Finding]:
        relying: list[tuple[Route, Evidence]] = []
        for route in ctx.routes:
            if route.auth.status is not AuthStatus.NONE or is_public_by_design(route, ctx.config):
                continue
            for ev in route.auth.evidence:
                if _is_permissive_default(ev):
                    relying.append((route, ev))
                    break
        if not relying:
            return
        route, evidence = relying[0]
        fact = ctx.facts.setting(_DEFAULT_SETTING)
        location = fact.location if fact is not None else evidence.location or Location(route.location.file, 1)
        views = sorted({r.handler.rsplit(".", 1)[0] if "." in r.handler else r.handler for r, _ in relying})
        unsafe = any(r.is_unsafe for r, _ in relying)
        how = ("sets `AllowAny` as the default" if fact is not None
               else "sets no `DEFAULT_PERMISSION_CLASSES`, so DRF allows anyone")
        yield self.finding(
            location,
            f"REST_FRAMEWORK {how}: {len(views)} view(s) rely on it (e.g. {views[0].rsplit('.', 1)[-1]})",
            'Set `"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]` in '
            "REST_FRAMEWORK and open public views explicitly",
            confidence=None if unsafe else Confidence.MEDIUM,
            symbol="REST_FRAMEWORK",
        )


def _is_permissive_default(ev: Evidence) -> bool:
    if ev.status is not AuthStatus.NONE:
        return False
    if ev.kind == "default" and ev.name.endswith("AllowAny"):
        return True
    return ev.name.endswith("AllowAny") and _DEFAULT_SETTING in ev.detail


def _permissive(route: Route) -> str:
    for ev in route.auth.evidence:
        if ev.status is AuthStatus.NONE:
            if ev.kind == "auth_argument":
                return "`auth=None`"
            if ev.name == "[]":
                return "an empty `permission_classes`"
            return f"`{ev.name.rsplit('.', 1)[-1]}`"
    return "a permissive setting"
