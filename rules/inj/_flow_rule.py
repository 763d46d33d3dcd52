"""`FlowRule`: the shape every INJ rule beyond SQL shares (input followed to one kind of sink)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from apilint.rule import Confidence, Finding, Rule, RuleContext
from apilint.rules.inj._levels import FlowHit, Hit, Kind
from apilint.rules.inj._taint import Flow, Frame, mentions_any, render_arg
from apilint.summary import Expr

Sinks = Callable[[Frame, Expr], Iterator[Hit]]


class FlowRule(Rule):
    """An injection rule: client input followed from every route handler to one kind of sink.

    Subclasses set `kind` (what sanitizes the value), `words` (a project that mentions none of
    them has no such sink), `sinks` (which calls are sinks, and which argument matters) and
    `fix`, and word the finding in `describe`.
    """

    abstract = True  # not a rule itself: Rule's checks apply to the subclasses

    kind: ClassVar[Kind]
    words: ClassVar[tuple[str, ...]]
    sinks: ClassVar[Sinks]
    fix: ClassVar[str]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Follow client input from every route handler to this rule's sinks."""
        if not mentions_any(ctx, self.words):
            return
        for flow in Flow(ctx, self.kind, type(self).sinks).run():
            via = f" through {flow.via}()" if flow.via else ""
            yield self.finding(flow.location, self.describe(flow, render_arg(flow.hit.arg), via), self.fix,
                               confidence=self.confidence_of(flow), symbol=flow.route.handler, route=flow.route)

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """The finding's message: what reaches which sink (`via` names a helper) and why it matters."""
        raise NotImplementedError

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Medium when the sink is in a helper the handler calls; None keeps the rule's own."""
        return Confidence.MEDIUM if flow.via else None
