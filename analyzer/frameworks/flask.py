"""Flask: apps, blueprints, Flask-RESTful/RESTX APIs and namespaces, flask-smorest, views.

The adapter links in three passes, one module each:

1. `flask_objects`: every object routes are registered on (apps, blueprints, APIs,
   namespaces), wherever it is built, and which object an expression names;
2. `flask_scan`: registrations read in the scope they are written in (module level, app
   factories, configuring methods, helpers handed the app, loops over known collections, both
   branches of an `if`), with `flask_views` building the routes of view functions and classes;
3. `flask_emit`: routes emitted by walking registrations down from each app, composing
   prefixes the way Flask does, and judged for auth (`flask_auth`, `flask_hooks`,
   `flask_classes`).

Blueprints an app finds by walking its package at run time are mounted by `flask_discovery`;
blueprints a Blueprint subclass's `register()` override registers, and those plugin classes return
to a loop over an interface's implementations, are read by `flask_plugins` during pass 2.
Their shared data lives in `flask_nodes`; app config read back into paths in `flask_config`;
app-level facts (debug, CORS, limits) in `flask_facts`.
"""

from __future__ import annotations

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.flask_auth import FlaskAuth
from apilint.frameworks.flask_classes import HandlerClasses
from apilint.frameworks.flask_discovery import mount_discovered
from apilint.frameworks.flask_emit import Emitter
from apilint.frameworks.flask_facts import FlaskFacts
from apilint.frameworks.flask_nodes import Env
from apilint.frameworks.flask_objects import Objects
from apilint.frameworks.flask_scan import Scanner
from apilint.frameworks.flask_views import Views
from apilint.project import ProjectIndex


class FlaskAdapter:
    """Routes and facts of Flask apps and the Flask REST extensions."""

    name = "flask"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports Flask or one of its extensions."""
        return imports_any(index, ("flask", "flask_restful", "flask_restx", "flask_restplus", "flask_smorest",
                                   "apiflask", "flask_cors", "flask_limiter", "connexion"))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Collect objects, read registrations, emit routes and app facts."""
        auth = FlaskAuth(index, config)
        facts = FlaskFacts(index, out)
        objects = Objects(index, out, config.root)
        for mod in index:
            objects.collect(mod, mod.body, "", Env())
        for mod in index:
            objects.alias_factories(mod)
        scanner = Scanner(index, objects, Views(index, objects, HandlerClasses(index, auth)), facts, out)
        for mod in index:
            scanner.scan(mod, mod.body, "", Env())
        mount_discovered(objects, scanner.discoveries, scanner.replaced)
        facts.project_wide()
        Emitter(index, objects, auth, facts, scanner.replaced, out).emit()


__all__ = ["FlaskAdapter"]
