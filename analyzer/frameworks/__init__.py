"""Framework adapters, in the fixed order the linker runs them (order is part of determinism)."""

from __future__ import annotations

from apilint.frameworks.base import FrameworkAdapter, LinkOutput
from apilint.frameworks.connexion import ConnexionAdapter
from apilint.frameworks.django import DjangoAdapter
from apilint.frameworks.drf import DRFAdapter
from apilint.frameworks.fab import FabAdapter
from apilint.frameworks.fastapi import FastAPIAdapter
from apilint.frameworks.flask import FlaskAdapter
from apilint.frameworks.graphql import GraphQLAdapter
from apilint.frameworks.ninja import NinjaAdapter


def adapters() -> tuple[FrameworkAdapter, ...]:
    """Every adapter, in linking order."""
    return (FastAPIAdapter(), FlaskAdapter(), FabAdapter(), ConnexionAdapter(), DjangoAdapter(), DRFAdapter(),
            NinjaAdapter(), GraphQLAdapter())


__all__ = ["FrameworkAdapter", "LinkOutput", "adapters"]
