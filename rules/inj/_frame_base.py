"""`FrameBase`: the state of one function under taint analysis, shared by the mixins that
read it (`_propagate.Propagation`, `_guards.Guards`) and the statement walker (`_taint.Frame`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary

if TYPE_CHECKING:
    from apilint.rules.inj._levels import Hit
    from apilint.rules.inj._taint import Flow

EXPR_KEY = "\x01"
"""Prefix of an expression (not a local) a guard proved clean, as a key of `env`."""


class FrameBase:
    """Locals and their taint, the objects they hold, and what the frame has found so far."""

    flow: Flow
    index: ProjectIndex
    mod: ModuleSummary
    func: FunctionDef
    depth: int
    env: dict[str, int]
    """Taint level of each local (and of `obj.attr` paths assigned in the function)."""
    defs: dict[str, Expr]
    """The expression each local was last bound to."""
    objs: dict[str, str]
    """Locals holding an object of a known class (qualified name), from a call or an annotation."""
    uploads: set[str]
    pathlike: set[str]
    local_imports: dict[str, str]
    params: dict[str, Expr]
    """Parameter annotations by name."""
    hits: list[tuple[Location, Hit, str]]
    returns: int
    instances: dict[str, dict[str, int]]
    """Locals holding a project object whose constructor stored client input: attribute -> level."""
    guard_vars: dict[str, Expr]
    """Locals holding a guard call's result (`ok = is_safe_url(next)`), so `if ok:` guards."""
    expr_guarded: bool
    """Some expression (not a local) was proved clean: `level` looks its text up in `env`."""
    cleared: set[str]
    """Locals (and `obj.attr` paths) a guard proved clean."""
    opaque_params: bool
    """Parameters are values apilint cannot see (a function no route reaches): see `untraced`."""

    def callee(self, call: Expr) -> str:
        """Qualified name of what a call calls (see `Frame.callee`)."""
        raise NotImplementedError

    def project(self, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
        """The project function a call reaches (see `Frame.project`)."""
        raise NotImplementedError

    def level(self, e: Expr, extra: dict[str, int] | None = None) -> int:
        """The taint level of an expression (see `Propagation.level`)."""
        raise NotImplementedError

    def passes_input(self, call: Expr, extra: dict[str, int] | None = None, request: bool = True) -> bool:
        """Whether a call hands its callee client input (see `Propagation.passes_input`)."""
        raise NotImplementedError

    def checked(self, test: Expr, outcome: bool) -> set[str]:
        """Names a test proves clean when it evaluates to `outcome` (see `Guards.checked`)."""
        raise NotImplementedError

    def untraced(self, e: Expr) -> bool:
        """True for a sink argument apilint cannot trace (see `Propagation.untraced`)."""
        raise NotImplementedError

    def is_path(self, e: Expr) -> bool:
        """True for a `pathlib` path (see `Propagation.is_path`)."""
        raise NotImplementedError

    def saved_read_level(self, call: Expr) -> int:
        """Taint of a call reading back a saved upload (see `SavedUploads.saved_read_level`)."""
        raise NotImplementedError
