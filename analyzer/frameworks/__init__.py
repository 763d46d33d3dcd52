"""Framework adapters, in the fixed order the linker runs them (order is part of determinism)."""

from __future__ import annotations

from apilint.frameworks.base import FrameworkAdapter, LinkOutput
from apilint.frameworks.fastapi import FastAPIAdapter


def adapters() -> tuple[FrameworkAdapter, ...]:
    """Every adapter, in linking order."""
    return (FastAPIAdapter(),)


__all__ = ["FrameworkAdapter", "LinkOutput", "adapters"]
