"""`module_scan`: one walk over a module that the pattern rules read instead of walking it again.

The pattern rules (SECRET002, SECRET004, the INJ rules' functions no route reaches) look at
every statement of every module, but almost every statement cannot match. The scan walks a
module once per run (memoized on the `ProjectIndex`) and keeps:

- `spots`: the statements a credential rule may report on, each with its context (`Where`,
  computed as `rules.secret._values.walk` computes it) and flags saying which checks can match
  there (a credential name, a long string in a key format, a password compared with a literal,
  ...). A flag is a necessary condition read from the statement's own syntax, never a guess:
  a rule runs its full check on a flagged statement and skips the others;
- `entries`: the module's top-level code (as a function named `<module>`) and every function
  (`ModuleSummary.functions()`), each with the last names of what its own statements call and
  whether they name the request object: the INJ rules' cheap test of which functions no route
  reaches may hold a sink (`Facts.may_reach`).
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence
from apilint.project import ProjectIndex
from apilint.rules.secret._names import is_credential_name, is_password_name
from apilint.rules.secret._values import Where, branch, narrow
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, fast_pickle

CRED: Final = 1
"""A name, attribute, string or keyword argument that `is_credential_name` accepts."""
LITERAL: Final = 2
"""A string of 12 characters or more holding `://` or the anchor of a service key format."""
COMPARE: Final = 4
"""A password-named value compared (`==`, `!=`) with a string literal."""
LOGIN: Final = 8
"""A call with two positional arguments, the second a string (`server.login(user, "...")`)."""
AUTH: Final = 16
"""A call with an `auth=` keyword argument."""
DEFAULT: Final = 32
"""A `def` with a credential-named parameter whose default is a string."""
PASSWORD_KEYWORD: Final = 64
"""A call with a password-named keyword argument given a string or a call."""
LITERAL_ARG: Final = 128
"""A call with a positional argument that is a string or a call."""
PASSWORD_ATTR: Final = 256
"""An assignment to a password-named attribute (`user.password = ...`)."""
LOOP: Final = 512
"""A `for` loop."""

_TOKEN_ANCHORS: Final = lazy_compile(r"AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|k_live_|k_test_|AIza|SG\.|sk-|"
                                   r"key-|PRIVATE KEY")
"""A literal part of every `_names.TOKEN_FORMATS` pattern (the Slack webhook's is `://`)."""
_CRED_TAIL: Final = lazy_compile(r"(?:password|pass|pwd|passwd|passwrd|passphrase|secret|token|credentials|creds|key)"
                               r"[^A-Za-z0-9]*\Z", re.IGNORECASE)
"""How every name `is_credential_name` accepts ends: its last word is one of these."""
_CRED_SUFFIXES: Final = ("password", "pass", "pwd", "passwd", "passwrd", "passphrase", "secret", "token",
                         "credentials", "creds", "key")
_PASSWORD_PART: Final = lazy_compile(r"pwd|passw|passphrase", re.IGNORECASE)
"""A part of every name `is_password_name` accepts."""
_REQUEST_NAMES: Final = frozenset({"req", "request"})


@lru_cache(maxsize=65536)
def credential_name(text: str) -> bool:
    """`is_credential_name`, after a cheap test of how the name ends (most names fail it)."""
    if " " in text and " " in text.strip():
        return False  # a message, not a name
    last = text[-1:]
    if last.isascii() and last.isalnum():  # the last word ends the text
        return text.lower().endswith(_CRED_SUFFIXES) and is_credential_name(text)
    return _CRED_TAIL.search(text) is not None and is_credential_name(text)


@lru_cache(maxsize=65536)
def password_name(text: str) -> bool:
    """`is_password_name`, after a cheap test for one of its words."""
    return _PASSWORD_PART.search(text) is not None and is_password_name(text)


class Context:
    """A statement's context, made into a `Where` only when a rule asks for it (most never are)."""

    __slots__ = ("_where", "data", "op", "parent")

    def __init__(self, parent: Context | None, op: int, data: object) -> None:
        self.parent = parent
        self.op = op
        self.data = data
        self._where: Where | None = _TOP if parent is None else None

    def __reduce__(self) -> tuple[type[Context], tuple[Context | None, int, object]]:
        return Context, (self.parent, self.op, self.data)  # not the `Where` made so far

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and (self.op, self.data, self.parent) == (other.op, other.data, other.parent)

    def __hash__(self) -> int:
        return hash((self.op, self.data))

    def where(self) -> Where:
        """The context `rules.secret._values.walk` gives the statement from a top of high confidence."""
        found = self._where
        if found is None:
            assert self.parent is not None
            outer, data = self.parent.where(), self.data
            if self.op == _FUNC:
                assert isinstance(data, FunctionDef)
                found = outer._replace(func=data)
            elif self.op == _CLASS:
                assert isinstance(data, ClassDef)
                found = outer._replace(classes=(*outer.classes, data))
            elif self.op == _HANDLER:
                found = outer._replace(fallback=True)
            else:
                assert isinstance(data, Expr)
                then, other, fallback = branch(data)
                found = narrow(outer, then, fallback) if self.op == _THEN else narrow(outer, other, False)
            self._where = found
        return found


_FUNC, _CLASS, _THEN, _ELSE, _HANDLER = range(5)


@fast_pickle
class Spot(NamedTuple):
    """A statement a pattern rule may report on."""

    stmt: Stmt
    context: Context
    flags: int
    main: bool
    """Inside the module's `if __name__ == "__main__":` block."""


@fast_pickle
class Facts(NamedTuple):
    """What a function's own statements (not nested functions or classes) call and read."""

    calls: frozenset[str]
    """Last name segments of the called names and attributes."""
    request: bool
    """Names the request object (`request`, `req`, `self.request`)."""

    def may_reach(self, sink_names: frozenset[str], request: bool = True) -> bool:
        """Names the request object (with `request`), or calls something named like a sink."""
        return (request and self.request) or not self.calls.isdisjoint(sink_names)


@fast_pickle
class ModuleScan(NamedTuple):
    """The result of one walk over a module."""

    spots: tuple[Spot, ...]
    entries: tuple[tuple[FunctionDef, Facts], ...]
    """The top-level code (a function named `<module>` whose body is the module's), then every
    function and method in `ModuleSummary.functions()` order, each with its facts."""


class _State:
    """Per run: the scans made so far, and what each name or string seen so far can be."""

    def __init__(self) -> None:
        self.scans: dict[str, ModuleScan] = {}
        self.texts: dict[str, int] = {}
        self.words: dict[str, str] = {}
        self.calls: dict[int, tuple[Stmt, tuple[Expr, ...]]] = {}


_STATES: weakref.WeakKeyDictionary[ProjectIndex, _State] = weakref.WeakKeyDictionary()
_LAST: list[tuple[weakref.ref[ProjectIndex], _State]] = []
"""The last index asked about (weakly) and its state."""
_TOP: Final = Where(None, (), Confidence.HIGH, False)
_T_CRED, _T_REQUEST_NAME, _T_REQUEST_ATTR = 1, 2, 4


def _text_bits(text: str) -> int:
    bits = _T_CRED if credential_name(text) else 0
    if text == "request":
        bits |= _T_REQUEST_NAME | _T_REQUEST_ATTR
    elif text == "req":
        bits |= _T_REQUEST_NAME
    return bits


def _state(index: ProjectIndex) -> _State:
    if _LAST and _LAST[0][0]() is index:
        return _LAST[0][1]  # the rules ask once per module: skip the weak dictionary's look-up
    state = _STATES.get(index)
    if state is None:
        state = _STATES[index] = _State()
    _LAST[:] = [(weakref.ref(index), state)]
    return state


def words_text(index: ProjectIndex, mod: ModuleSummary) -> str:
    """The module's words (`ModuleSummary.words`) one per line, in no particular order: one
    substring test (`"passw" in text`) asks whether any word contains a part."""
    words = _state(index).words
    found = words.get(mod.path)
    if found is None:
        found = words[mod.path] = "\n".join(mod.words)
    return found


def call_cache(index: ProjectIndex) -> dict[int, tuple[Stmt, tuple[Expr, ...]]]:
    """The run's `statement_calls` results, by the statement's id (with the statement, which
    keeps the id from being reused)."""
    return _state(index).calls


def statement_calls(cache: dict[int, tuple[Stmt, tuple[Expr, ...]]], stmt: Stmt) -> tuple[Expr, ...]:
    """Every call in the statement's own expressions, in `Expr.calls()` order, listed once per run."""
    found = cache.get(id(stmt))
    if found is not None and found[0] is stmt:
        return found[1]
    calls = tuple(call for expr in stmt.own_exprs() for call in expr.calls())
    cache[id(stmt)] = (stmt, calls)
    return calls


def module_scan(index: ProjectIndex, mod: ModuleSummary) -> ModuleScan:
    """The scan of one module: the one the summarize worker made (with the summary, or kept in
    the cache beside it), or one built on first use and kept for the rest of the run."""
    if isinstance(mod.scan, ModuleScan):
        return mod.scan
    state = _state(index)
    found = state.scans.get(mod.path)
    if found is None:
        kept = index.scan_loader(mod) if index.scan_loader is not None else None
        found = kept if isinstance(kept, ModuleScan) else _Scanner(state.texts).scan(mod)
        state.scans[mod.path] = found
    return found


_WORKER_TEXTS: dict[str, int] = {}
"""What each name or string seen so far can be, for `with_scan` (a summarize worker's memo)."""


def with_scan(mod: ModuleSummary) -> ModuleSummary:
    """The summary with its scan attached (`ModuleSummary.scan`): the summarize workers make it
    beside the summary, in parallel, and the cache keeps it, so a run that re-reads one changed
    file scans only that file."""
    if mod.parse_error is not None:
        return mod
    return mod._replace(scan=_Scanner(_WORKER_TEXTS).scan(mod))


class _Owner:
    """A function (or the top-level code) whose own statements are being walked, and their facts."""

    __slots__ = ("calls", "func", "request")

    def __init__(self, func: FunctionDef) -> None:
        self.func = func
        self.calls: set[str] = set()
        self.request = False


class _Scanner:
    """Walks one module: statements in `rules.secret._values.walk` order, each one's expressions once."""

    def __init__(self, texts: dict[str, int]) -> None:
        self.texts = texts
        self.spots: list[Spot] = []
        self.owners: list[_Owner] = []

    def scan(self, mod: ModuleSummary) -> ModuleScan:
        top = _Owner(FunctionDef("<module>", "<module>", 1, mod.line_count, body=mod.body))
        self.owners.append(top)
        root = Context(None, _FUNC, None)
        for stmt in mod.body:
            self.block((stmt,), root, top, _is_main_block(stmt))
        entries = tuple((owner.func, Facts(frozenset(owner.calls), owner.request)) for owner in self.owners)
        return ModuleScan(tuple(self.spots), entries)

    def block(self, body: tuple[Stmt, ...], context: Context, owner: _Owner | None, main: bool) -> None:
        """`_values.walk`, with `owner` the function whose own statements these are (None in a class body)."""
        for stmt in body:
            self.statement(stmt, context, owner, main)
            func, cls = stmt.func, stmt.cls
            if func is not None:
                inner = _Owner(func)
                self.owners.append(inner)
                self.block(func.body, Context(context, _FUNC, func), inner, main)
            elif cls is not None:
                self.block(cls.body, Context(context, _CLASS, cls), None, main)
            elif stmt.kind == "if" and stmt.value is not None:
                if stmt.body:
                    self.block(stmt.body, Context(context, _THEN, stmt.value), owner, main)
                if stmt.orelse:
                    self.block(stmt.orelse, Context(context, _ELSE, stmt.value), owner, main)
            elif stmt.kind == "try":
                self.block(stmt.body, context, owner, main)
                if stmt.handlers:
                    self.block(stmt.handlers, Context(context, _HANDLER, None), owner, main)
                self.block(stmt.orelse + stmt.finalbody, context, owner, main)
            elif stmt.body or stmt.handlers or stmt.orelse or stmt.finalbody:
                self.block(tuple(stmt.children()), context, owner, main)

    def statement(self, stmt: Stmt, context: Context, owner: _Owner | None, main: bool) -> None:
        texts = self.texts
        flags = 0
        calls = owner.calls if owner is not None else None
        request = False
        stack: list[Expr] = []
        if stmt.value is not None:
            stack.append(stmt.value)
        if stmt.targets:
            stack.extend(stmt.targets)
            if stmt.kind == "assign" and any(t.kind == "attr" and password_name(t.text) for t in stmt.targets):
                flags |= PASSWORD_ATTR
        if stmt.exprs:
            stack.extend(stmt.exprs)
        pop, extend = stack.pop, stack.extend
        while stack:
            kind, text, args, keywords, _ = pop()
            if kind == "name" or kind == "attr" or kind == "str":
                bits = texts.get(text)
                if bits is None:
                    bits = texts[text] = _text_bits(text)
                if bits:
                    if bits & _T_CRED:
                        flags |= CRED
                    if kind == "name":
                        if bits & _T_REQUEST_NAME:
                            request = True  # `rules.inj._sources.is_request_object`
                    elif kind == "attr" and bits & _T_REQUEST_ATTR and args[0].dotted is not None:
                        request = True
                if kind == "str" and len(text) >= 12 and ("://" in text or _TOKEN_ANCHORS.search(text)) \
                        and not (stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "str"):
                    flags |= LITERAL  # (`_literal_hits` skips docstrings)
            elif kind == "call":
                func = args[0]
                if calls is not None and (func.kind == "attr" or func.kind == "name"):
                    calls.add(func.text)
                if len(args) > 1:
                    if len(args) == 3 and args[2].kind == "str":
                        flags |= LOGIN
                    if not flags & LITERAL_ARG:
                        for arg in args[1:]:
                            if arg.kind == "str" or arg.kind == "call":
                                flags |= LITERAL_ARG
                                break
                for name, value in keywords:
                    stack.append(value)
                    if name is None:
                        continue
                    if name == "auth":
                        flags |= AUTH
                    bits = texts.get(name)
                    if bits is None:
                        bits = texts[name] = _text_bits(name)
                    if bits & _T_CRED:
                        flags |= CRED
                    if (value.kind == "str" or value.kind == "call") and password_name(name):
                        flags |= PASSWORD_KEYWORD
            elif kind == "compare":
                flags |= _compare_flag(text, args)
            if args:
                extend(args)  # only calls have keywords: their values are pushed above
        if request and owner is not None:
            owner.request = True
        defined = stmt.func
        if defined is not None and any(p.default is not None and p.default.kind == "str" and credential_name(p.name)
                                       for p in defined.params):
            flags |= DEFAULT
        if stmt.kind == "for":
            flags |= LOOP
        if flags:
            self.spots.append(Spot(stmt, context, flags, main))


def _compare_flag(ops: str, args: tuple[Expr, ...]) -> int:
    """`_credentials._compare_hits`' test: `password == "literal"`, either way round."""
    if ops not in ("==", "!=") or len(args) != 2:
        return 0
    left, right = args
    if left.kind == "str":
        left, right = right, left
    if right.kind != "str":
        return 0
    name: str | None = None
    if left.kind in ("name", "attr"):
        name = left.text
    elif left.kind == "subscript" and len(left.args) == 2 and left.args[1].kind == "str":
        name = left.args[1].text
    elif left.kind == "call" and left.func.kind == "attr" and left.func.text == "get" and left.positional \
            and left.positional[0].kind == "str":
        name = left.positional[0].text
    return COMPARE if name is not None and password_name(name) else 0


def _is_main_block(stmt: Stmt) -> bool:
    """`if __name__ == "__main__":`: a manual test harness."""
    return stmt.kind == "if" and stmt.value is not None and stmt.value.kind == "compare" and \
        "__main__" in [a.text for a in stmt.value.args if a.kind == "str"]


__all__ = ["AUTH", "COMPARE", "CRED", "DEFAULT", "LITERAL", "LITERAL_ARG", "LOGIN", "LOOP", "PASSWORD_ATTR",
           "PASSWORD_KEYWORD", "Context", "Facts", "ModuleScan", "Spot", "call_cache", "credential_name",
           "module_scan", "password_name", "statement_calls", "with_scan", "words_text"]
