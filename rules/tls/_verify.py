"""Calls and assignments that switch off TLS certificate (or host name) verification of outbound connections.

Recognised through the module's imports and through keyword names that mean one thing only
(`verify_ssl`, `cert_reqs`, `tlsAllowInvalidCertificates`), never through a bare method name
that other libraries share: `verify=False` counts on requests, httpx, boto3 and hvac calls
(and on `.get`/`.post`/... of a module that imports requests or httpx), not on `jwt.decode`.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence
from apilint.project import ProjectIndex
from apilint.rules.tls._flags import Flag, flag_value
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt

HTTP_LIBRARIES: Final = frozenset({"requests", "httpx", "niquests", "grequests", "boto3", "botocore", "hvac",
                                   "pysolr", "zeep", "requests_oauthlib", "gitlab", "jenkins"})
"""Libraries whose `verify=` keyword is TLS certificate verification."""
HTTP_CALLS: Final = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
                               "Session", "session", "Client", "AsyncClient", "HTTPTransport", "AsyncHTTPTransport",
                               "client", "resource", "ws_connect", "TCPConnector", "ClientSession", "urlopen",
                               "Request", "Transport"})
_UNVERIFIED_CONTEXTS: Final = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
_OFF_WHEN_FALSE: Final = frozenset({"verify_ssl", "verify_certs", "ssl_verify", "tls_verify", "verify_tls",
                                    "ssl_verify_cert", "verify_certificate", "validate_certs", "verify_ssl_certs",
                                    "ssl_cert_verify", "verify_peer"})
_OFF_WHEN_TRUE: Final = frozenset({"disable_ssl_certificate_validation", "tlsAllowInvalidCertificates", "tlsInsecure",
                                   "ssl_insecure", "insecure_skip_verify", "insecure_skip_tls_verify",
                                   "skip_tls_verify", "no_verify_ssl", "ignore_ssl_errors"})
_HOSTNAME_OFF: Final = frozenset({"check_hostname", "ssl_check_hostname", "assert_hostname"})
_HOSTNAME_ON: Final = frozenset({"tlsAllowInvalidHostnames"})
_CERT_REQS: Final = frozenset({"cert_reqs", "ssl_cert_reqs", "verify_mode"})
_NOT_TLS: Final = frozenset({"decode", "encode", "verify", "verify_token", "verify_jwt", "decode_token"})
WORDS: Final = frozenset({"verify", "cert_none", "check_hostname", "_create_unverified_context", "cert_reqs",
                          "_create_stdlib_context", "pythonhttpsverify", "curl_ca_bundle", "assert_hostname",
                          "ssl_cert_reqs", "verify_mode", "sslopt", "ssl"} | {w.lower() for w in _OFF_WHEN_FALSE}
                         | {w.lower() for w in _OFF_WHEN_TRUE} | {w.lower() for w in _HOSTNAME_ON})
"""Words at least one of which a module must contain to be read at all."""
OPT_IN_NAME: Final = lazy_compile(r"insecure|unverified|no_?verify|skip_?verif|disable_?verif|unsafe", re.IGNORECASE)
"""Names that say a variable or function is the deliberate, configured way to skip checks."""
OPT_IN_TEST: Final = lazy_compile(r"insecure|unverified|verif|ssl|tls|cert|unsafe", re.IGNORECASE)
"""Words in an `if` test that make its branches the configured choice (`if settings.VERIFY_SSL:`)."""
_LITERAL: Final = Flag(False, "", Confidence.HIGH)


class Disabled(NamedTuple):
    """One place where verification is switched off."""

    what: str
    """`requests.get(...) passes verify=False`, in Markdown."""
    flag: Flag
    hostname_only: bool = False
    opt_in_value: bool = False
    """The insecure value is one branch of a conditional (`verify=False if insecure else True`)."""


def _libraries(index: ProjectIndex, mod: ModuleSummary) -> frozenset[str]:
    return frozenset(imp.module.split(".")[0] for imp in mod.imports)


def _is_cert_none(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> bool:
    if expr.kind == "str":
        return expr.text.upper() in ("CERT_NONE", "NONE")
    dotted = expr.dotted
    return dotted is not None and (index.qualify(mod, dotted) in ("ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE")
                                   or dotted.endswith("CERT_NONE"))


def _keyword_flag(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, value: Expr,
                  insecure: bool) -> tuple[Flag, bool] | None:
    """The flag when `value` evaluates to the insecure value; the bool is True for `a if c else b`."""
    if value.kind == "ifexp" and len(value.args) == 3:
        for branch in value.args[1:]:
            found = flag_value(index, mod, func, branch)
            if found is not None and found.value is insecure:
                return found, True
        return None
    found = flag_value(index, mod, func, value)
    return (found, False) if found is not None and found.value is insecure else None


def disabled_by_call(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, call: Expr) -> list[Disabled]:
    """What one call switches off (several keywords may)."""
    callee = index.qualify_expr(mod, call.func) or ""
    short = callee.rsplit(".", 1)[-1]
    shown = f"`{call.func.render(40)}(...)`"
    if callee in _UNVERIFIED_CONTEXTS:
        return [Disabled(f"`{callee}()` makes an SSL context that checks no certificate",
                         _LITERAL)]
    if short in _NOT_TLS:
        return []
    # only `verify=` and `ssl=` depend on the module's imports (`_polarity`): most calls pass neither
    verify_or_ssl = any(kw.name == "verify" or kw.name == "ssl" for kw in call.keywords)
    libraries = _libraries(index, mod) if verify_or_ssl else frozenset()
    root = callee.split(".")[0]
    out: list[Disabled] = []
    for kw in call.keywords:
        name, value = kw.name, kw.value
        if name is None:
            continue
        if name in _CERT_REQS or name == "sslopt":
            found = _cert_none(index, mod, value)
            hostname = False
        else:
            polarity = _polarity(name, call, root, short, libraries)
            if polarity is None:
                continue
            insecure, hostname = polarity
            found = _keyword_flag(index, mod, func, value, insecure)
        if found is not None:
            flag, conditional = found
            out.append(Disabled(f"{shown} passes `{name}={value.render(30)}`", flag, hostname, conditional))
    return out


def _polarity(name: str, call: Expr, root: str, short: str,
              libraries: frozenset[str]) -> tuple[bool, bool] | None:
    """(the value that switches checks off, whether only the host name check) for a keyword of this call."""
    if name == "verify":
        method = call.func.kind == "attr" and short in HTTP_CALLS and bool(libraries & HTTP_LIBRARIES)
        return (False, False) if root in HTTP_LIBRARIES or method else None
    if name == "ssl":
        return (False, False) if root == "aiohttp" or (short in HTTP_CALLS and "aiohttp" in libraries) else None
    if name in _OFF_WHEN_FALSE or name in _OFF_WHEN_TRUE:
        return name in _OFF_WHEN_TRUE, False
    if name in _HOSTNAME_OFF or name in _HOSTNAME_ON:
        return name in _HOSTNAME_ON, True
    return None


def _cert_none(index: ProjectIndex, mod: ModuleSummary, value: Expr) -> tuple[Flag, bool] | None:
    if value.kind == "dict":
        for key, item in zip(value.args[::2], value.args[1::2], strict=False):
            if key.kind == "str" and key.text in _CERT_REQS and _is_cert_none(index, mod, item):
                return _LITERAL, False
        return None
    return (_LITERAL, False) if _is_cert_none(index, mod, value) else None


def disabled_by_assign(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None,
                       stmt: Stmt) -> Disabled | None:
    """`ctx.verify_mode = ssl.CERT_NONE`, `session.verify = False`, `ssl._create_default_https_context = ...`,
    `os.environ["PYTHONHTTPSVERIFY"] = "0"`."""
    value = stmt.value
    if stmt.kind != "assign" or value is None:
        return None
    for target in stmt.targets:
        if target.kind == "subscript" and len(target.args) == 2:
            env = index.qualify(mod, target.args[0].dotted or "")
            key = index.const_str(mod, target.args[1])
            text = index.const_str(mod, value)
            if env == "os.environ" and (key, text) in (("PYTHONHTTPSVERIFY", "0"), ("CURL_CA_BUNDLE", "")):
                return Disabled(f'`os.environ["{key}"] = "{text}"` turns verification off for the whole process',
                                _LITERAL)
            continue
        if target.kind != "attr":
            continue
        dotted = index.qualify(mod, target.dotted or "")
        if dotted == "ssl._create_default_https_context":
            if "_create_unverified_context" in value.render(80):
                return Disabled("`ssl._create_default_https_context` is replaced by the unverified context: "
                                "no HTTPS connection of the process checks certificates", _LITERAL)
            continue
        shown = f"`{target.render(40)} = {value.render(30)}`"
        if target.text in _CERT_REQS and _is_cert_none(index, mod, value):
            return Disabled(shown, _LITERAL)
        if target.text in ("check_hostname", "assert_hostname"):
            found = _keyword_flag(index, mod, func, value, False)
            return Disabled(shown, found[0], hostname_only=True) if found else None
        if target.text in _OFF_WHEN_FALSE or (target.text == "verify" and _libraries(index, mod) & HTTP_LIBRARIES):
            found = _keyword_flag(index, mod, func, value, False)
            return Disabled(shown, found[0], opt_in_value=found[1]) if found else None
    return None


__all__ = ["OPT_IN_NAME", "OPT_IN_TEST", "WORDS", "Disabled", "disabled_by_assign", "disabled_by_call"]
