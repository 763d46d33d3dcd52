"""AUTHZ004: a Django view class names the permission it needs, but nothing in its bases checks it."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules._views import view_class
from apilint.summary import Expr, Stmt, walk_stmts

_ATTRIBUTE = "permission_required"
_PERMISSION = lazy_compile(r"[A-Za-z_][\w]*\.[A-Za-z_][\w]*")
"""Django's `app_label.codename`."""
_READERS = frozenset({_ATTRIBUTE, "get_permission_required"})
"""What code that enforces the attribute reads (Django's `PermissionRequiredMixin` calls
`get_permission_required()`, which reads `permission_required`)."""


class UnenforcedPermissionAttribute(Rule):
    """
    ## What it finds
    A Django or DRF view class that sets `permission_required = "app.change_thing"` while no
    class it inherits from reads that attribute: Django honours `permission_required` only
    through `PermissionRequiredMixin` (and the third-party mixins named after it), so on an
    `UpdateView` or a project form mixin the line is a comment that looks like a check. The
    view's routes then serve whoever reaches them (anyone, or every logged-in user).

    Only permissions written in Django's form are read (`"app_label.codename"`, or a list or
    tuple of them): a value taken from a project's own registry (`all_permissions.view_x`)
    belongs to a mechanism of the project's that may be enforced by code apilint does not see.
    Not reported when a class of the view's own chain reads `permission_required` or
    `get_permission_required` (a project mixin's `dispatch()` or `has_permission()`), when a
    base class's name says it checks permissions (`PermissionRequiredMixin`,
    `MultiplePermissionsRequiredMixin`, ...), or when project code reads the attribute from the
    view from outside (`view.view_class.permission_required` in a middleware). Medium
    confidence on DRF views (DRF itself never reads the attribute, so a custom permission class
    may be meant to) and when a base class comes from a library other than Django or DRF,
    whose code is not read.

    ## Why it matters
    The developer decided the view needs a permission and wrote it down; nothing checks it, so
    any user, or any visitor, can use the function meant for staff (CWE-862 Missing
    Authorization, OWASP API5:2023 Broken Function Level Authorization). Reviews miss it
    because the declaration reads like the check.

    ## Options
    None.

    ## Known limitations
    Only the attribute Django's mixin reads (`permission_required`) is followed; a project that
    names its own attribute (`required_role = "staff"`) and forgets its mixin is not seen. A
    base class defined outside the analyzed files that checks the permission under a name
    without "permission" in it is not known (the finding is then medium).

    ## References
    - https://cwe.mitre.org/data/definitions/862.html
    - https://docs.djangoproject.com/en/stable/topics/auth/default/#the-permissionrequiredmixin-mixin
    """

    code = "AUTHZ004"
    name = "unenforced-permission-attribute"
    summary = "View class declares permission_required but nothing in its bases enforces it"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"django", "drf"})
    cwe = (862,)
    owasp = ("API5:2023",)

    bad = Example("""
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.views.generic import UpdateView

        from forms import FormLayoutMixin
        from models import SiteSettings


        class SiteSettingsUpdate(LoginRequiredMixin, FormLayoutMixin, UpdateView):
            model = SiteSettings
            fields = ["support_email", "maintenance_mode"]
            permission_required = "core.change_sitesettings"  # expect: AUTHZ004
    """, files=(("forms.py", '''
        class FormLayoutMixin:
            template_name = "form.html"

            def get_context_data(self, **kwargs):
                context = super().get_context_data(**kwargs)
                context["submit_label"] = "Save"
                return context
    '''), ("models.py", '''
        from django.db import models


        class SiteSettings(models.Model):
            support_email = models.EmailField()
            maintenance_mode = models.BooleanField(default=False)
    '''), ("urls.py", '''
        from django.urls import path

        from app import SiteSettingsUpdate

        urlpatterns = [path("settings/<int:pk>/", SiteSettingsUpdate.as_view())]
    '''), ("settings.py", '''
        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        ROOT_URLCONF = "urls"
    ''')))

    good = Example("""
        from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
        from django.views.generic import UpdateView

        from forms import FormLayoutMixin
        from models import SiteSettings


        class SiteSettingsUpdate(LoginRequiredMixin, PermissionRequiredMixin, FormLayoutMixin, UpdateView):
            model = SiteSettings
            fields = ["support_email", "maintenance_mode"]
            permission_required = "core.change_sitesettings"
    """, files=bad.files)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per view class, at the line that sets the attribute."""
        if _read_from_outside(ctx.index):
            return
        routes: dict[str, list[Route]] = {}
        classes: dict[str, Symbol] = {}
        for route in ctx.routes:
            if route.framework not in self.frameworks:
                continue
            cls = view_class(ctx.index, route)
            if cls is not None:
                routes.setdefault(cls.qualname, []).append(route)
                classes[cls.qualname] = cls
        for qualname in sorted(classes):
            cls = classes[qualname]
            chain = ctx.index.class_chain(cls)
            declared = _declaration(chain)
            if declared is None:
                continue
            owner, stmt = declared
            bases = ctx.index.base_names(cls)
            if any("permission" in b.rsplit(".", 1)[-1].lower() for b in bases) or _chain_reads(chain):
                continue
            project = {s.qualname for s in chain}
            libraries = [b for b in bases if b not in project and not b.startswith(("django.", "rest_framework."))]
            served = routes[qualname]
            more = f" and {len(served) - 3} more" if len(served) > 3 else ""
            shown = ", ".join(r.display for r in served[:3]) + more
            value = stmt.value.render(50) if stmt.value is not None else "..."
            name = cls.qualname.rsplit(".", 1)[-1]
            declares = f"{name} declares `{_ATTRIBUTE} = {value}`" if owner is cls else \
                f"{name} inherits `{_ATTRIBUTE} = {value}` from {owner.qualname.rsplit('.', 1)[-1]}"
            yield self.finding(
                Location(owner.module.path, stmt.line),
                f"{declares}, but no class it inherits from checks it (Django reads it only through "
                f"PermissionRequiredMixin): {shown} "
                f"serve{'s' if len(served) == 1 else ''} whoever reaches {'it' if len(served) == 1 else 'them'}, "
                "permission or not",
                "Add `PermissionRequiredMixin` first in the view's bases (or the project mixin that checks "
                "`permission_required` in `dispatch()`), and test that a user without the permission gets 403",
                confidence=Confidence.MEDIUM if libraries or served[0].framework == "drf" else None,
                symbol=cls.qualname,
                route=served[0],
            )


def _declaration(chain: list[Symbol]) -> tuple[Symbol, Stmt] | None:
    """The class of the view's chain (nearest first) that sets `permission_required` in Django's
    form, and the statement; None when no class sets it, or the nearest sets it otherwise."""
    for owner in chain:
        assert owner.cls is not None
        for stmt in owner.cls.body:
            if stmt.kind in ("assign", "annassign") and stmt.value is not None and any(
                    t.kind == "name" and t.text == _ATTRIBUTE for t in stmt.targets):
                return (owner, stmt) if _django_permissions(stmt.value) else None
    return None


def _django_permissions(value: Expr) -> bool:
    """`"app.change_thing"` or a list or tuple of such strings: the form Django's mixin checks. A
    value from a project's own registry (`all_permissions.projects_view`) belongs to a mechanism
    of the project's, which may be enforced by code apilint does not see."""
    items = value.args if value.kind in ("list", "tuple") else (value,)
    return bool(items) and all(item.kind == "str" and _PERMISSION.fullmatch(item.text) for item in items)


def _chain_reads(chain: list[Symbol]) -> bool:
    """True when a method of the view's chain reads the attribute (a project permission mixin)."""
    for owner in chain:
        assert owner.cls is not None
        for method in owner.cls.methods():
            if any(sub.kind in ("attr", "name") and sub.text in _READERS
                   for stmt in walk_stmts(method.body) for expr in stmt.own_exprs() for sub in expr.walk()):
                return True
    return False


def _read_from_outside(index: ProjectIndex) -> bool:
    """True when project code reads `permission_required` from something other than `self`
    (`view.view_class.permission_required`, `getattr(view, "permission_required", None)`): a
    middleware or decorator may enforce it for every view."""
    for mod in index:
        if not mod.mentions(_ATTRIBUTE):
            continue
        for func in mod.functions():
            for stmt in walk_stmts(func.body):
                for expr in stmt.own_exprs():
                    # a called attribute is a function (`decorators.permission_required("x")`), not the view's
                    called = {id(sub.args[0]) for sub in expr.walk() if sub.kind == "call"}
                    for sub in expr.walk():
                        if sub.kind == "attr" and sub.text == _ATTRIBUTE and sub.args[0].dotted != "self" and \
                                id(sub) not in called:
                            return True
                        if sub.kind == "str" and sub.text == _ATTRIBUTE:
                            return True
    return False
