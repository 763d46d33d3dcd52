"""`FlowRule`: the shape every INJ rule beyond SQL shares (input followed to one kind of sink)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from apilint.model import Severity
from apilint.rule import Confidence, Finding, Rule, RuleContext
from apilint.rules.inj._levels import SESSION, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Flow, Frame, mentions_any, render_arg
from apilint.summary import Expr

Sinks = Callable[[Frame, Expr], Iterator[Hit]]

_LOWER = {Severity.CRITICAL: Severity.HIGH, Severity.HIGH: Severity.MEDIUM, Severity.MEDIUM: Severity.LOW}


class FlowRule(Rule):
    """An injection rule: client input followed from every route handler to one kind of sink.

    Subclasses set `kind` (what sanitizes the value), `words` (a project that mentions none of
    them has no such sink), `sinks` (which calls are sinks, and which argument matters),
    `fix` and `danger` (what the sink does with its argument), and word the finding in
    `describe`. A sink whose argument apilint cannot trace to client input (the sink matcher
    yields a `Hit` of level 0 for it, see `Frame.untraced`) is reported at low confidence
    and one severity lower, the way pattern matchers report it. A sink line is reported once;
    when several routes hand client input to it (a shared helper), the message lists the others.
    """

    abstract = True  # not a rule itself: Rule's checks apply to the subclasses
    shares = "flow"  # the call and callee tables of `Flow`

    kind: ClassVar[Kind]
    words: ClassVar[tuple[str, ...]]
    sinks: ClassVar[Sinks]
    fix: ClassVar[str]
    sink_names: ClassVar[frozenset[str]] = frozenset()
    """Last name segments of the sinks with an untraced tier (`system`, `loads`): functions no
    route reaches are walked only when they call one of these or read the request."""
    danger: ClassVar[str] = ""
    """What the sink does with its argument (`runs it as a shell command`), for untraced values."""

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Follow client input from every route handler (and every function no route reaches)
        to this rule's sinks."""
        if not mentions_any(ctx, self.words):
            return
        for flow in Flow(ctx, self.kind, type(self).sinks, self.words, self.sink_names, self.code).run():
            via = f" through {flow.via}()" if flow.via else ""
            arg = render_arg(flow.hit.arg)
            if flow.proven:
                message = self.describe(flow, arg, via)
                if flow.also:
                    message += f" (also reached from {', '.join(flow.also)})"
            else:
                message = (f"{flow.subject} passes `{arg}` to {flow.hit.sink}{via}, which {self.danger}: "
                           "apilint cannot tell where the value comes from; make sure no client controls it")
            yield self.finding(flow.location, message, self.fix, confidence=self.confidence_of(flow),
                               severity=self.severity_of(flow),
                               symbol=flow.route.handler if flow.route is not None else flow.function,
                               route=flow.route)

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """The finding's message: what reaches which sink (`via` names a helper) and why it matters."""
        raise NotImplementedError

    def severity_of(self, flow: FlowHit) -> Severity | None:
        """One step lower for a value apilint cannot trace; None keeps the rule's own."""
        return None if flow.proven else _LOWER.get(self.severity, self.severity)

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Medium when the sink is in a helper the handler calls, or in a function no route
        reaches (other than a registered error handler or request hook); low for a value apilint
        cannot trace or one read from the session, or both of the former; None keeps the rule's own."""
        if not flow.proven or (flow.route is None and flow.via) or flow.hit.level & SESSION:
            return Confidence.LOW  # untraced, twice removed, or a value the app kept in its session
        # no app serves it, as far as apilint can tell; an error handler is served for every failing request
        served = flow.error_handler or flow.request_hook
        unlinked = (flow.route is None and not served) or (flow.route is not None and not flow.route.linked)
        return Confidence.MEDIUM if flow.via or unlinked else None
