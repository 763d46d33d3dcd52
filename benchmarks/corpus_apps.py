"""The pinned real-world corpus: open-source web applications published on PyPI with their server code.

Each app names the archives to fetch (package, exact version, file name and sha256 of that exact
upload, so a changed upload is noticed), its framework family, whether it is meant to be secure
(every finding is a false positive) or deliberately vulnerable, and the folders to analyze,
relative to the folder the archives are unpacked into (empty: all of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Archive:
    """One file on PyPI: a pure-Python wheel (a zip) or an sdist (a tar.gz)."""

    package: str
    version: str
    filename: str
    sha256: str

    @property
    def pin(self) -> str:
        """``package==version``."""
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class App:
    """One application of the corpus."""

    name: str
    family: str
    kind: str
    archives: tuple[Archive, ...]
    paths: tuple[str, ...] = field(default=())
    note: str = ""

    @property
    def version(self) -> str:
        """The version of the app's first (main) archive."""
        return self.archives[0].version


FAMILIES = ("fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja", "graphql")

APPS: tuple[App, ...] = (
    App(
        "opal-server",
        "fastapi",
        "secure",
        (
            Archive(
                "opal-server",
                "0.9.9",
                "opal_server-0.9.9-py3-none-any.whl",
                "9f9307cc5432fd5a1992177a57a7eeb337e96eb554d6888a2322bb51bf1e8ff8",
            ),
        ),
        paths=(),
        note="OPAL policy server (FastAPI routers, JWT bearer dependency)",
    ),
    App(
        "fief-server",
        "fastapi",
        "secure",
        (
            Archive(
                "fief-server",
                "0.30.0",
                "fief_server-0.30.0-py3-none-any.whl",
                "e524a9d690bda115d15b19fe5647293393f7a9e35f4c1e12b5b114ec03231af8",
            ),
        ),
        paths=(),
        note="Fief identity server (FastAPI, admin API + OAuth endpoints)",
    ),
    App(
        "argilla-server",
        "fastapi",
        "secure",
        (
            Archive(
                "argilla-server",
                "2.8.0",
                "argilla_server-2.8.0-py3-none-any.whl",
                "e21a5c979ef6536fca634dc957469daca8fb09440c39b2fbeefb223459cc61e0",
            ),
        ),
        paths=(),
        note="Argilla data-labelling server (FastAPI API v1)",
    ),
    App(
        "lnbits",
        "fastapi",
        "secure",
        (
            Archive(
                "lnbits",
                "1.6.2",
                "lnbits-1.6.2-py3-none-any.whl",
                "25649a8b40f58e30e19aa9bb3c391a92b26e47cf9f028818fcab10b38a849339",
            ),
        ),
        paths=(),
        note="LNbits Lightning wallet (FastAPI, key-checking dependencies)",
    ),
    App(
        "dstack",
        "fastapi",
        "secure",
        (
            Archive(
                "dstack",
                "0.22.5",
                "dstack-0.22.5-py3-none-any.whl",
                "e83cd6b7161f379ed173c012cd4d4149d1c395af6abf1dae61a9143f78e3cd04",
            ),
        ),
        paths=("dstack/_internal/server",),
        note="dstack control plane (FastAPI routers, token auth)",
    ),
    App(
        "prefect",
        "fastapi",
        "secure",
        (
            Archive(
                "prefect",
                "3.9.1",
                "prefect-3.9.1-py3-none-any.whl",
                "0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74",
            ),
        ),
        paths=("prefect/server",),
        note="Prefect orchestration API (FastAPI, custom PrefectRouter)",
    ),
    App(
        "chainlit",
        "fastapi",
        "secure",
        (
            Archive(
                "chainlit",
                "2.12.0",
                "chainlit-2.12.0-py3-none-any.whl",
                "17cbd2c408f775a123892984bf9170674b5c81a01f7a8af278912e2786253ffc",
            ),
        ),
        paths=(),
        note="Chainlit chat UI server (FastAPI + socket.io)",
    ),
    App(
        "khoj",
        "fastapi",
        "secure",
        (
            Archive(
                "khoj",
                "1.42.10",
                "khoj-1.42.10-py3-none-any.whl",
                "03bb4ed6ce0189be5aa19453cd47ac4df27adc7508e6125b928b354d08d99b33",
            ),
        ),
        paths=(),
        note="Khoj assistant (FastAPI routers over Django ORM, starlette auth middleware)",
    ),
    App(
        "litellm",
        "fastapi",
        "secure",
        (
            Archive(
                "litellm",
                "1.110.2",
                "litellm-1.110.2.tar.gz",
                "a483c8d3078c1bd27a9fe9c831ac2ce09d41b728a7ea6e9a3ce48db276edeef5",
            ),
        ),
        paths=("litellm-1.110.2/litellm/proxy",),
        note="LiteLLM proxy (FastAPI, user_api_key_auth dependency)",
    ),
    App(
        "mlflow",
        "flask",
        "secure",
        (
            Archive(
                "mlflow",
                "3.18.0",
                "mlflow-3.18.0-py3-none-any.whl",
                "be7d84ba0d0b12392f5b53260cdb3e6d7b7ef4b80c29da90a89b5a1f6db7102f",
            ),
        ),
        paths=("mlflow/server",),
        note="MLflow tracking server (Flask app with a handler table, FastAPI parts)",
    ),
    App(
        "arize-phoenix",
        "starlette",
        "secure",
        (
            Archive(
                "arize-phoenix",
                "20.26.1",
                "arize_phoenix-20.26.1-py3-none-any.whl",
                "dd318844cba1d7021d8accaa995b7f3716d559eab4afb549dfb1017dd51bab56",
            ),
        ),
        paths=("phoenix/server",),
        note="Phoenix (Starlette app + FastAPI routers + strawberry GraphQL)",
    ),
    App(
        "marimo",
        "starlette",
        "secure",
        (
            Archive(
                "marimo",
                "0.25.2",
                "marimo-0.25.2-py3-none-any.whl",
                "7acb7a433755c6d965c03e07725477ab63804f6667ba9e37e4da582f358018c7",
            ),
        ),
        paths=("marimo/_server",),
        note="marimo notebook server (Starlette, its own APIRouter)",
    ),
    App(
        "dagster",
        "starlette",
        "secure",
        (
            Archive(
                "dagster-webserver",
                "1.13.28",
                "dagster_webserver-1.13.28-py3-none-any.whl",
                "d68d9ec4901cf963fff422d23a1ad0e65dd5ed6793b132f703a240f3d6326ba0",
            ),
            Archive(
                "dagster-graphql",
                "1.13.28",
                "dagster_graphql-1.13.28-py3-none-any.whl",
                "9abbc3052acee0e5891efb584cd41d8d61a6a598365a77e2ed54825b47c77c07",
            ),
        ),
        paths=(),
        note="dagster-webserver (Starlette) serving dagster-graphql (graphene)",
    ),
    App(
        "flaskbb",
        "flask",
        "secure",
        (
            Archive(
                "flaskbb",
                "2.2.0",
                "flaskbb-2.2.0-py3-none-any.whl",
                "e2922af20433782b0e08327301e2c5556ac2cf53d340b272ea4b3d33c7636f34",
            ),
        ),
        paths=(),
        note="FlaskBB forum (Flask blueprints, MethodViews via register_view)",
    ),
    App(
        "privacyidea",
        "flask",
        "secure",
        (
            Archive(
                "privacyidea",
                "3.14",
                "privacyidea-3.14-py3-none-any.whl",
                "86a24cbffa8a7316eab93eb220b4d8710ea68af2390990d0dddd58d7bd6947b1",
            ),
        ),
        paths=("privacyidea",),
        note="privacyIDEA MFA server (Flask blueprints, before_request auth)",
    ),
    App(
        "changedetection-io",
        "flask",
        "secure",
        (
            Archive(
                "changedetection-io",
                "0.60.10",
                "changedetection_io-0.60.10-py3-none-any.whl",
                "a99794de52220a398ef4002ac66f6bf07e579ef9269254828e6b59bd3fb2cd13",
            ),
        ),
        paths=(),
        note="changedetection.io (Flask + Flask-RESTful API resources)",
    ),
    App(
        "pgadmin4",
        "flask",
        "secure",
        (
            Archive(
                "pgadmin4",
                "9.18",
                "pgadmin4-9.18-py3-none-any.whl",
                "9ea084fc416265e4fc95c9fb6e6ae0f6668d34da8670c9b65c79cea054124356",
            ),
        ),
        paths=(),
        note="pgAdmin 4 (Flask, PgAdminModule blueprints, flask-security)",
    ),
    App(
        "ckan",
        "flask",
        "secure",
        (
            Archive(
                "ckan",
                "2.12.0",
                "ckan-2.12.0-py3-none-any.whl",
                "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e",
            ),
        ),
        paths=(),
        note="CKAN open-data portal (Flask blueprints, action API)",
    ),
    App(
        "indico",
        "flask",
        "secure",
        (
            Archive(
                "indico",
                "3.3.14",
                "indico-3.3.14-py3-none-any.whl",
                "d98e030e0f21d22b9d9423d7cb3f9fca472ac5c2c4f3d8c5d7026ed3ed6c9811",
            ),
        ),
        paths=("indico",),
        note="Indico event manager (Flask, IndicoBlueprint.add_url_rule + RH classes)",
    ),
    App(
        "apache-superset",
        "flask",
        "secure",
        (
            Archive(
                "apache-superset",
                "6.1.0",
                "apache_superset-6.1.0-py3-none-any.whl",
                "4b5886b2d6389a32df790aeae2532ad72529bce1af93b6edf2d1b2a8bf658748",
            ),
        ),
        paths=("superset",),
        note="Superset BI (Flask-AppBuilder views and REST APIs)",
    ),
    App(
        "apache-airflow",
        "connexion",
        "secure",
        (
            Archive(
                "apache-airflow",
                "2.10.5",
                "apache_airflow-2.10.5-py3-none-any.whl",
                "4c6d19159bcd85f496fbea70db72ef55d32335f80e4ffb82ae3c252782079ca0",
            ),
        ),
        paths=("airflow/api_connexion", "airflow/www"),
        note="Airflow 2.x stable REST API (connexion v1.yaml) and its Flask web UI",
    ),
    App(
        "pretix",
        "django",
        "secure",
        (
            Archive(
                "pretix",
                "2026.8.0",
                "pretix-2026.8.0-py3-none-any.whl",
                "a78932e698778d873530d67f25a57c28d1c09b1bfb1a22ec817c00d90397db85",
            ),
        ),
        paths=("pretix",),
        note="pretix ticket shop (Django views + DRF API)",
    ),
    App(
        "wagtail",
        "django",
        "secure",
        (
            Archive(
                "wagtail",
                "8.0.1",
                "wagtail-8.0.1-py3-none-any.whl",
                "1e6ad5c7891a54efce1400e168298b5a2cc343b642cee89c31bf5ec30c98b26c",
            ),
        ),
        paths=(),
        note="Wagtail CMS (Django admin views + DRF API v2)",
    ),
    App(
        "pretalx",
        "django",
        "secure",
        (
            Archive(
                "pretalx",
                "2026.2.1",
                "pretalx-2026.2.1-py3-none-any.whl",
                "41328c518838cf464582c136b3229e3872b82d91f78d8e396970f84baf29e9ae",
            ),
        ),
        paths=(),
        note="pretalx conference planner (Django + DRF API)",
    ),
    App(
        "weblate",
        "django",
        "secure",
        (
            Archive(
                "weblate",
                "2026.10.1",
                "weblate-2026.10.1-py3-none-any.whl",
                "27a779ceb05fec3665081df0d3f46f4b6ac0e3f499160a1c3cb145e8e35853d2",
            ),
        ),
        paths=(),
        note="Weblate translation platform (Django + DRF API)",
    ),
    App(
        "django-oscar",
        "django",
        "secure",
        (
            Archive(
                "django-oscar",
                "4.2.1",
                "django_oscar-4.2.1-py3-none-any.whl",
                "adbb95ea0130859c204cc6fb221052d6d437ecbaa90800e8418a809f72645e9c",
            ),
        ),
        paths=(),
        note="django-oscar e-commerce (Django class-based app configs)",
    ),
    App(
        "misago",
        "django",
        "secure",
        (
            Archive(
                "misago",
                "0.39.6",
                "misago-0.39.6-py3-none-any.whl",
                "57152ffa4d5d567803594b49163a7b399e93fab438f99ab4a463459936eb9f00",
            ),
        ),
        paths=(),
        note="Misago forum (Django + DRF API)",
    ),
    App(
        "mayan-edms",
        "django",
        "secure",
        (
            Archive(
                "mayan-edms",
                "4.12.2",
                "mayan_edms-4.12.2-py2.py3-none-any.whl",
                "5eb0deccb29199a7add33a757161f3f461aa3b00451de13027049258dd412f67",
            ),
        ),
        paths=(),
        note="Mayan EDMS (Django + DRF API, generated url patterns)",
    ),
    App(
        "label-studio",
        "drf",
        "secure",
        (
            Archive(
                "label-studio",
                "1.23.2",
                "label_studio-1.23.2-py3-none-any.whl",
                "c575b2552d0b271554224c5e56ab2ce9449c6e62a0b4851bc8c706d8fe651137",
            ),
        ),
        paths=("label_studio",),
        note="Label Studio (DRF API views and viewsets)",
    ),
    App(
        "nautobot",
        "graphql",
        "secure",
        (
            Archive(
                "nautobot",
                "3.2.7",
                "nautobot-3.2.7-py3-none-any.whl",
                "0742bcb18aaf08dc45891f2c410707d4c6467089944a01ad6a836b37899ca843",
            ),
        ),
        paths=(),
        note="Nautobot (DRF routers + graphene-django GraphQL)",
    ),
    App(
        "pulpcore",
        "drf",
        "secure",
        (
            Archive(
                "pulpcore",
                "3.123.1",
                "pulpcore-3.123.1-py3-none-any.whl",
                "93652191c82e1543a3ed2f62ee9e58eec892a0e79138461bffb8ce8905b9cfea",
            ),
        ),
        paths=(),
        note="Pulp 3 core (DRF viewsets on a custom router)",
    ),
    App(
        "formkit-ninja",
        "ninja",
        "secure",
        (
            Archive(
                "formkit-ninja",
                "7.1.1",
                "formkit_ninja-7.1.1-py3-none-any.whl",
                "e510a95419ffbe7a376021a3dc911ec93d4a06d94c26823f9f78b71aca1cdedd",
            ),
        ),
        paths=(),
        note="formkit-ninja (a Django app serving a django-ninja Router)",
    ),
    App(
        "freqtrade",
        "fastapi",
        "secure",
        (
            Archive(
                "freqtrade",
                "2026.9",
                "freqtrade-2026.9-py3-none-any.whl",
                "3cc4432381b83ec35000bff6b76f494fa3ec7d1681c7a45c04667dc063789fac",
            ),
        ),
        paths=("freqtrade",),
        note="freqtrade trading bot (FastAPI REST API under freqtrade/rpc/api_server, HTTP basic + JWT)",
    ),
    App(
        "calibreweb",
        "flask",
        "secure",
        (
            Archive(
                "calibreweb",
                "0.6.27",
                "calibreweb-0.6.27-py3-none-any.whl",
                "c6d4173d31a4495e09c615857f30f0d03d9f7eabc7bb50558164f67083d4f72d",
            ),
        ),
        paths=("calibreweb",),
        note="Calibre-Web e-book server (Flask blueprints, flask-login, OPDS with basic auth)",
    ),
    App(
        "octoprint",
        "flask",
        "secure",
        (
            Archive(
                "octoprint",
                "1.11.8",
                "octoprint-1.11.8-py3-none-any.whl",
                "21fef2f84f9b730dab905c3d22c0476f4877cadf6c129c8a75be8e5b5546241e",
            ),
        ),
        paths=("octoprint",),
        note="OctoPrint 3D-printer server (Flask blueprints, API keys, permission decorators)",
    ),
    App(
        "wger",
        "drf",
        "secure",
        (
            Archive(
                "wger",
                "2.1",
                "wger-2.1-py2.py3-none-any.whl",
                "eeb67b4184137b83cb6ee4c2dff2935c6de3d3633dc20279fe9b1d0c91160a32",
            ),
        ),
        paths=("wger",),
        note="wger fitness manager (Django views + DRF routers and viewsets)",
    ),
    App(
        "django-helpdesk",
        "django",
        "secure",
        (
            Archive(
                "django-helpdesk",
                "2.6.1",
                "django_helpdesk-2.6.1-py3-none-any.whl",
                "f2167cd340577088be861fa5d25ca6f828226ac0d25db7e67b96a35a89ca4e44",
            ),
        ),
        paths=("helpdesk",),
        note="django-helpdesk ticketing (Django views, staff decorators, DRF API)",
    ),
    App(
        "fittrackee",
        "flask",
        "secure",
        (
            Archive(
                "fittrackee",
                "1.3.6",
                "fittrackee-1.3.6-py3-none-any.whl",
                "6aefd582e04de2ab6abb80d7910fa2260107c9f96bd67f846e1595cc2b05c28e",
            ),
        ),
        paths=('fittrackee',),
        note="FitTrackee workout tracker (Flask blueprints, OAuth 2 scopes through a require_auth decorator)",
    ),
    App(
        "ihatemoney",
        "flask",
        "secure",
        (
            Archive(
                "ihatemoney",
                "7.2.1",
                "ihatemoney-7.2.1-py3-none-any.whl",
                "19742d7c6d08ee5675b97beefc7c40f1e07fe8ee2124a1036f5679f20ff9e324",
            ),
        ),
        paths=('ihatemoney',),
        note="I Hate Money shared budgets (Flask, a URL value preprocessor opens each project by its password)",
    ),
    App(
        "open-webui",
        "fastapi",
        "secure",
        (
            Archive(
                "open-webui",
                "0.12.4",
                "open_webui-0.12.4-py3-none-any.whl",
                "02e9caba96234db3fa17a92e56163b3f7f2b8ca8227fa886b85c178d696483f6",
            ),
        ),
        paths=('open_webui',),
        note="Open WebUI LLM front end (FastAPI routers, verified-user and admin dependencies)",
    ),
    App(
        "hyperkitty",
        "django",
        "secure",
        (
            Archive(
                "hyperkitty",
                "1.3.12",
                "hyperkitty-1.3.12-py3-none-any.whl",
                "4205862e1d323e972bcb7447f1962da925709c7be43e663ffdc7bc7fa51e514d",
            ),
        ),
        paths=('hyperkitty',),
        note="HyperKitty mailing-list archives (a reusable Django app: URLconf without a project, DRF API)",
    ),
    App(
        "modoboa",
        "drf",
        "secure",
        (
            Archive(
                "modoboa",
                "2.12.0",
                "modoboa-2.12.0-py3-none-any.whl",
                "f3ad5957a2069f3221814979f7144aeb2a541539009a03a534ec19b4f65306e0",
            ),
        ),
        paths=('modoboa',),
        note="Modoboa mail hosting admin (Django + DRF viewsets, role-based object access)",
    ),
    App(
        "openwisp-controller",
        "drf",
        "secure",
        (
            Archive(
                "openwisp-controller",
                "1.3.2",
                "openwisp_controller-1.3.2-py2.py3-none-any.whl",
                "fdb25cdd6769e56bb23ad7ad3368dc0166c7657c886a2101e2f842cd8becddc8",
            ),
        ),
        paths=('openwisp_controller',),
        note="OpenWISP network controller (reusable Django apps, DRF API URLs built by get_api_urls())",
    ),
    App(
        "flexget",
        "flask",
        "secure",
        (
            Archive(
                "flexget",
                "3.22.8",
                "flexget-3.22.8-py3-none-any.whl",
                "5be40186da89805b828abf84ad9c30b93d2d44cbe447b79b535604efa224d753",
            ),
        ),
        paths=('flexget',),
        note="FlexGet automation daemon (Flask-RESTX API, single user, token or session login)",
    ),
    App(
        "pyload-ng",
        "flask",
        "secure",
        (
            Archive(
                "pyload-ng",
                "0.5.0b3.dev101",
                "pyload_ng-0.5.0b3.dev101-py3-none-any.whl",
                "18679af3e247bfd4bf5f3af0d3cba0f359bfb78a4d6425ee5d739e4f169c6839",
            ),
        ),
        paths=('pyload',),
        note="pyLoad download manager (Flask web UI blueprints, login decorators, JSON API)",
    ),
    App(
        "archivebox",
        "django",
        "secure",
        (
            Archive(
                "archivebox",
                "0.7.4",
                "archivebox-0.7.4-py3-none-any.whl",
                "3e8bd9390b9b26addd0e65e5d8574261f1aaca39911bef9ac06cd9c89db7370c",
            ),
        ),
        paths=('archivebox',),
        note="ArchiveBox web archiver (Django admin and views, public snapshot pages by setting)",
    ),
)


def select(names: str | None) -> tuple[App, ...]:
    """The apps named in a comma-separated list (all when None); an unknown name is an error."""
    if not names:
        return APPS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {app.name: app for app in APPS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown app(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return tuple(known[n] for n in wanted)
