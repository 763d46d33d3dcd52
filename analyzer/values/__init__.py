"""The value evaluator: what an expression is worth when the app starts, read without running it.

One evaluator serves every adapter and rule (`ProjectIndex.values`). It follows names across
modules; module, class and function-local constants; f-strings, `+`, `%`, `.format`, joins and
the usual string methods; environment lookups with a default (`os.getenv`, `os.environ.get`,
django-environ, python-decouple), which count as their default and are marked `from_env`;
settings objects (a pydantic `BaseSettings`, dataclass or plain class whose field has a
default) reached through a module-level instance, a factory function that returns one, or
Django's `settings.X`; project functions, by reading their bodies with the arguments bound
(`get_authorizer(required=False)` returns the function its `if` picks; a function defined inside
the one read is a `Ref` to it); literal lists, tuples, dicts, their `.items()`/`.keys()`/`.values()`
and `**` merges, and lists changed in place (`.append`, `.extend`, `.insert`, `+=`): such a change
under an `if`, like an assignment under an `if` whose test is unknown, adds a possible value.

A result is a `Value`: the possible values in order (a name assigned unconditionally and then
reassigned under an `if` has two, the unconditional one first) and whether an environment
default took part. What cannot be read is an `Opaque` holding the expression and the reason,
never a guess; an object the project defines (a function, a class, a router built by a call)
is an `Opaque` too, or a `Ref` when it names a project definition, so adapters can resolve it.

The package, by job: `types` (what a result is), `scope` (names visible in a function),
`evaluator` (the `Evaluator`: entry points, literals, operators), `names`, `classes` (attributes),
`calls`, `known_calls` (builtins, str and dict methods), `environment` (environment variables,
configuration libraries, Django settings), `text` (strings with placeholders) and `ops` (operators
on plain values).
"""

from __future__ import annotations

from apilint.values.evaluator import Evaluator
from apilint.values.ops import compare_values
from apilint.values.scope import Scope, collect_assignments
from apilint.values.types import (
    MAX_OPTIONS,
    Instance,
    Opaque,
    Ref,
    Text,
    Value,
    as_expr,
    is_plain,
    iter_items,
    placeholder,
    render_value,
)

__all__ = [
    "MAX_OPTIONS",
    "Evaluator",
    "Instance",
    "Opaque",
    "Ref",
    "Scope",
    "Text",
    "Value",
    "as_expr",
    "collect_assignments",
    "compare_values",
    "is_plain",
    "iter_items",
    "placeholder",
    "render_value",
]
