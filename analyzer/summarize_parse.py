"""libcst's parse without two per-node costs apilint does not need.

libcst's native parser builds the tree by calling each node class, about 2,300 nodes per
thousand lines. Two costs of that construction buy apilint nothing, since it only reads trees
the parser built and never assembles one:

- **Validation.** Every node runs `_validate()` from `__post_init__`, a check meant for trees
  code assembles by hand (libcst's own comment there suggests moving it out of parsing). The
  native parser's output is valid by construction. `parse_unvalidated` switches it off for the
  parse: a seventh of the parse time on Django's tree.
- **Frozen construction.** The nodes are frozen dataclasses: their generated `__init__` sets
  each field with `object.__setattr__`, because the class's own `__setattr__` refuses. Inside
  `fast_construction()` every node class gets an `__init__` with the same parameters and
  defaults that assigns its fields directly, and its refusing `__setattr__`/`__delattr__` are
  taken out; on leaving, libcst's are put back, so every node, including the ones built
  inside, is frozen again. Another seventh of the parse time on Django's tree.

Patching the classes costs about 0.3 ms each way, so it wraps a batch of parses (a summarize
worker's whole life, or an in-process batch), not each file. A class whose construction this
cannot reproduce exactly (a field left out of `__init__` or keyword-only, an init-only
variable, a `__setattr__` that is not the dataclass's frozen one) keeps libcst's. The
`__init__`s are generated from the classes' own field names (identifiers, checked) the way
`dataclasses` generates them; no text from analyzed files is involved.
"""

from __future__ import annotations

import dataclasses
import inspect
import keyword
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any


def parse_unvalidated(cst: Any, source: bytes) -> Any:
    """`cst.parse_module` without re-validating what the native parser built."""
    node_class = cst.CSTNode
    validate = node_class.__dict__["__post_init__"]
    node_class.__post_init__ = _no_validation
    try:
        return cst.parse_module(source)
    finally:
        node_class.__post_init__ = validate


def _no_validation(self: Any) -> None:
    return None


class _Switch:
    """What puts libcst's construction back, while the node classes are patched."""

    undo: Callable[[], None] | None = None


@contextmanager
def fast_construction() -> Iterator[None]:
    """While open, libcst node classes build nodes by plain assignment (see the module doc)."""
    owner = _Switch.undo is None
    if owner:
        _Switch.undo = _patch()
    try:
        yield
    finally:
        if owner and _Switch.undo is not None:
            _Switch.undo()
            _Switch.undo = None


def enable_fast_construction() -> None:
    """Patch the node classes for the rest of this process (a process that only parses)."""
    if _Switch.undo is None:
        _Switch.undo = _patch()


@contextmanager
def validated_construction() -> Iterator[None]:
    """libcst's own construction (validating, frozen) inside a `fast_construction()` block: for
    a tree libcst rebuilds from one CPython rejected, where validation is the only check left."""
    undo = _Switch.undo
    if undo is None:
        yield
        return
    undo()
    _Switch.undo = None
    try:
        yield
    finally:
        _Switch.undo = _patch()


def _patch() -> Callable[[], None]:
    plan = _plan()
    for cls, name, _ in plan.removed:
        delattr(cls, name)
    kept: list[tuple[type, Any]] = []
    plain_setattr: Any = object.__setattr__
    for cls, fast, original in plan.inits:
        if getattr(cls, "__setattr__", None) is plain_setattr:  # no other refusing or custom one left
            setattr(cls, "__init__", fast)  # noqa: B010 (mypy refuses assigning a method)
            kept.append((cls, original))

    def undo() -> None:
        for cls, original in kept:
            setattr(cls, "__init__", original)  # noqa: B010
        for cls, name, method in plan.removed:
            setattr(cls, name, method)

    return undo


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What `enable_fast_construction` changes: the refusing methods it removes, the inits it swaps."""

    removed: tuple[tuple[type, str, Any], ...]
    inits: tuple[tuple[type, Any, Any], ...]


@cache
def _plan() -> _Plan:
    import libcst as cst

    classes = _subclasses(cst.CSTNode)
    removed = []
    for cls in classes:
        params = getattr(cls, "__dataclass_params__", None)
        if params is None or not params.frozen:
            continue
        for name in ("__setattr__", "__delattr__"):
            if name in vars(cls):
                removed.append((cls, name, vars(cls)[name]))
    inits = []
    for cls in classes:
        fast = _fast_init(cls, cst.CSTNode)
        if fast is not None:
            inits.append((cls, fast, vars(cls)["__init__"]))
    return _Plan(tuple(removed), tuple(inits))


def _subclasses(root: type) -> list[type]:
    seen: dict[type, None] = {root: None}
    todo = [root]
    while todo:
        sub: type
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen[sub] = None
                todo.append(sub)
    return list(seen)


_MISSING = dataclasses.MISSING


def _fast_init(cls: type, root: type) -> Any:
    """An `__init__` doing what the dataclass's does for a parsed node, or None when it cannot."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.init or "__init__" not in vars(cls):
        return None
    if next(k for k in cls.__mro__ if "__post_init__" in vars(k) or k is object) is not root:
        return None  # a `__post_init__` of its own may do more than validate: keep it called
    fields = dataclasses.fields(cls)
    original = inspect.signature(vars(cls)["__init__"]).parameters
    if list(original)[1:] != [f.name for f in fields] or any(
            p.kind is not p.POSITIONAL_OR_KEYWORD for p in original.values()):
        return None  # an init-only variable, a keyword-only field: not the plain shape
    names: dict[str, Any] = {"_MISSING": _MISSING}
    signature: list[str] = []
    body: list[str] = []
    for field in fields:
        name = field.name
        if not field.init or getattr(field, "kw_only", False) is True:
            return None
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            return None
        if field.default is not _MISSING:
            names[f"_default_{name}"] = field.default
            signature.append(f"{name}=_default_{name}")
        elif field.default_factory is not _MISSING:
            names[f"_factory_{name}"] = field.default_factory
            signature.append(f"{name}=_MISSING")
            body.append(f"    if {name} is _MISSING: {name} = _factory_{name}()")
        else:
            signature.append(name)
        body.append(f"    self.{name} = {name}")
    source = f"def __init__(self, {', '.join(signature)}):\n" + ("\n".join(body) or "    pass") + "\n"
    try:
        exec(compile(source, f"<apilint fast __init__ of {cls.__qualname__}>", "exec"), names)
    except SyntaxError:  # a required field after a defaulted one: the dataclass is keyword-only
        return None
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init
