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

Making the `__init__`s costs about 18 ms once per process and patching the classes 0.3 ms each
way, so the patch wraps a batch of parses (a summarize worker's whole life, or an in-process
batch of two dozen files or more: `engine.FAST_CONSTRUCTION_FILES`), never one file. A class
whose construction this cannot reproduce exactly (a field left out of `__init__` or
keyword-only, an init-only variable, a `__post_init__` of its own, a `__setattr__` that is not
the dataclass's frozen one) keeps libcst's. The `__init__`s are generated from the classes' own
field names (identifiers, checked) the way `dataclasses` generates them, all in one source
compiled once; no text from analyzed files is involved.
"""

from __future__ import annotations

import dataclasses
import inspect
import keyword
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, NamedTuple


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


class _Plan(NamedTuple):
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
    # All the inits in one source, compiled once (a compile per class cost 16 ms a process).
    names: dict[str, Any] = {"_MISSING": _MISSING}
    sources: list[str] = []
    shaped: list[type] = []
    for cls in classes:
        source = _init_source(cls, cst.CSTNode, f"_{len(shaped)}", names)
        if source is not None:
            sources.append(source)
            shaped.append(cls)
    exec(compile("".join(sources), "<apilint's libcst node inits>", "exec"), names)
    inits = []
    for number, cls in enumerate(shaped):
        init = names[f"_init_{number}"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        inits.append((cls, init, vars(cls)["__init__"]))
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


def _init_source(cls: type, root: type, suffix: str, names: dict[str, Any]) -> str | None:
    """The source of an `__init__` (named `_init{suffix}`) doing what the dataclass's does for a
    parsed node, its defaults put in `names`; None when the class has not the plain shape."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.init or "__init__" not in vars(cls):
        return None
    if next(k for k in cls.__mro__ if "__post_init__" in vars(k) or k is object) is not root:
        return None  # a `__post_init__` of its own may do more than validate: keep it called
    fields = dataclasses.fields(cls)
    code = getattr(vars(cls)["__init__"], "__code__", None)
    if (code is None or code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
            or list(code.co_varnames[1:code.co_argcount]) != [f.name for f in fields]):
        return None  # an init-only variable, a keyword-only field: not the plain shape
    signature: list[str] = []
    body: list[str] = []
    for field in fields:
        name = field.name
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            return None
        if field.default is not _MISSING:
            names[f"_default{suffix}_{name}"] = field.default
            signature.append(f"{name}=_default{suffix}_{name}")
        elif field.default_factory is not _MISSING:
            names[f"_factory{suffix}_{name}"] = field.default_factory
            signature.append(f"{name}=_MISSING")
            body.append(f"    if {name} is _MISSING: {name} = _factory{suffix}_{name}()")
        else:
            signature.append(name)
        body.append(f"    self.{name} = {name}")
    return f"def _init{suffix}(self, {', '.join(signature)}):\n" + ("\n".join(body) or "    pass") + "\n"
