"""Configuration: `[tool.apilint]` in pyproject.toml or `.apilint.yaml`, into a typed `Config`.

The schema is one table (`SCHEMA`); an unknown key is an error naming the closest valid key.
YAML is read with `yaml.safe_load` only.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from apilint.checklist.declared import Declaration, DeclarationError, parse_declarations
from apilint.model import Confidence, Severity
from apilint.replay import CONFIG_NAMES

CONFIG_FILES = CONFIG_NAMES


class ConfigError(Exception):
    """A configuration problem; the message is one line fit for the user."""


@dataclass(frozen=True)
class Option:
    """One configuration key: its type, default and one-line documentation."""

    type: str
    """`str`, `bool`, `int`, `list[str]`, `dict[str, list[str]]` or `table`."""
    default: Any
    doc: str


SCHEMA: dict[str, Option | dict[str, Option]] = {
    "select": Option("list[str]", [], "Rule codes or prefixes to run (default: every rule on by default)."),
    "extend-select": Option("list[str]", [], "Codes or prefixes added to the selection."),
    "ignore": Option("list[str]", [], "Rule codes or prefixes never to report."),
    "exclude": Option("list[str]", [], "Glob patterns (gitignore style) of paths to skip."),
    "per-file-ignores": Option("dict[str, list[str]]", {}, "Glob pattern -> codes ignored in matching files."),
    "fail-on": Option("str", "low", "Lowest severity that makes the exit code 1."),
    "min-confidence": Option("str", "low", "Report only findings at least this confident (low, medium, high)."),
    "respect-gitignore": Option("bool", True, "Skip files matched by .gitignore."),
    "include-tests": Option("bool", False, "Also analyze test folders (`tests/`, `test/`, `testproject/`, "
                            "`test_project/`, `testapp/`, `test_app/`) and test files (`test_*.py`, `*_test.py`, "
                            "`tests.py`, `conftest.py`)."),
    "auth": {
        "dependencies": Option("list[str]", [], "Extra dependency or function names that authenticate."),
        "decorators": Option("list[str]", [], "Extra decorator names that authenticate."),
        "public-paths": Option("list[str]", [], "Path globs that are public by design (`/webhooks/*`)."),
        "optional-dependencies": Option("list[str]", [], "Names that authenticate optionally."),
        "permissions": Option("dict[str, str]", {}, "What an auth mechanism apilint cannot read does: qualified or "
                              "short name of a middleware, dependency, decorator, permission class or backend -> "
                              "`required`, `optional` or `none`."),
    },
    "ownership": {
        "helpers": Option("list[str]", [], "Function names that check the caller owns an object."),
    },
    "roles": {
        "helpers": Option("list[str]", [], "Function or dependency names that check roles."),
    },
    "exposure": {
        "sensitive-fields": Option("list[str]", [], "Extra field names that must never be returned."),
    },
    "mass": {
        "privileged-fields": Option("list[str]", [], "Extra model fields clients must not set (`is_admin`, `role`)."),
    },
    "checklist": Option("table", {}, "Checklist evidence apilint cannot see in the code (a gateway's rate limit, "
                        "TLS at the load balancer): `STEP = \"what provides it\"`, and `[[declare]]` entries "
                        "with `paths`, `apps` and `steps`."),
}



@dataclass(frozen=True)
class Config:
    """The effective configuration of a run."""

    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: Severity = Severity.LOW
    min_confidence: Confidence = Confidence.LOW
    respect_gitignore: bool = True
    include_tests: bool = False
    auth_dependencies: tuple[str, ...] = ()
    auth_decorators: tuple[str, ...] = ()
    auth_public_paths: tuple[str, ...] = ()
    auth_optional_dependencies: tuple[str, ...] = ()
    auth_permissions: tuple[tuple[str, str], ...] = ()
    """Declared effect of auth mechanisms apilint cannot read: (name, `required|optional|none`)."""
    ownership_helpers: tuple[str, ...] = ()
    roles_helpers: tuple[str, ...] = ()
    exposure_sensitive_fields: tuple[str, ...] = ()
    mass_privileged_fields: tuple[str, ...] = ()
    show_unknown_auth: bool = False
    """List per-route AUTH findings on routes whose auth could not be read: set when `low` confidence
    is asked for explicitly (`--min-confidence low`, or `min-confidence = "low"` in the config)."""
    checklist: tuple[Declaration, ...] = ()
    """`[tool.apilint.checklist]` declarations: applied after analysis, so not in the fingerprint."""

    def fingerprint(self) -> str:
        """Hash of everything that changes analysis results (for the cache key)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("root", "source", "checklist")}
        data["fail_on"] = self.fail_on.value
        data["min_confidence"] = self.min_confidence.value
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def find_config(start: Path) -> Path | None:
    """The nearest config file walking up from `start` (pyproject only with [tool.apilint])."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    data = tomllib.loads(candidate.read_text(encoding="utf-8"))
                except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                    return candidate  # let load_config report the problem
                if "apilint" not in data.get("tool", {}):
                    continue
            return candidate
        if (folder / ".git").exists():
            break
    return None


def load_config(path: Path | None, root: Path | None = None) -> Config:
    """Read and validate a config file; `path=None` gives the defaults."""
    if path is None:
        return Config(root=(root or Path.cwd()).resolve())
    raw = _read(path)
    return build_config(raw, path, root or path.parent)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            raise ConfigError(f"{path}{':' + at.group(1) if at else ''}: invalid TOML: {exc}") from None
        table = data.get("tool", {}).get("apilint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.apilint] must be a table")
        return table
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of apilint settings at the top level")
    return data


def _closest(key: str, options: list[str]) -> str:
    match = difflib.get_close_matches(key, options, n=1)
    return f" (did you mean '{match[0]}'?)" if match else f" (valid keys: {', '.join(sorted(options))})"


def _check_type(where: str, value: Any, option: Option) -> Any:
    expected = option.type
    ok = True
    if expected == "str":
        ok = isinstance(value, str)
    elif expected == "bool":
        ok = isinstance(value, bool)
    elif expected == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif expected == "dict[str, str]":
        ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    elif expected == "dict[str, list[str]]":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in value.items()
        )
    if not ok:
        raise ConfigError(f"{where}: expected {expected}, got {type(value).__name__} {value!r}")
    return value


def build_config(raw: dict[str, Any], path: Path, root: Path) -> Config:
    """Validate a raw settings mapping into a Config."""
    from apilint.registry import selector_is_valid

    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in SCHEMA:
            raise ConfigError(f"{path}: unknown key '{key}'{_closest(str(key), list(SCHEMA))}")
        spec = SCHEMA[key]
        if key == "checklist":
            try:
                values["checklist"] = parse_declarations(value)
            except DeclarationError as exc:
                raise ConfigError(f"{path}: {exc}") from None
            continue
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: '{key}' must be a table of settings")
            for sub, sub_value in value.items():
                if sub not in spec:
                    raise ConfigError(f"{path}: unknown key '{key}.{sub}'{_closest(str(sub), list(spec))}")
                values[f"{key}_{sub}".replace("-", "_")] = _check_type(f"{path}: '{key}.{sub}'", sub_value,
                                                                         spec[sub])
        else:
            values[key.replace("-", "_")] = _check_type(f"{path}: '{key}'", value, spec)
    for key in ("select", "extend_select", "ignore"):
        codes = tuple(c.upper() for c in values.get(key, ()))
        for code in codes:
            if not selector_is_valid(code):
                raise ConfigError(f"{path}: '{key.replace('_', '-')}' names unknown rule code '{code}'")
        values[key] = codes
    pfi = values.pop("per_file_ignores", {})
    for codes in pfi.values():
        for code in codes:
            if not selector_is_valid(code.upper()):
                raise ConfigError(f"{path}: 'per-file-ignores' names unknown rule code '{code}'")
    values["per_file_ignores"] = tuple(sorted((p, tuple(c.upper() for c in cs)) for p, cs in pfi.items()))
    if "fail_on" in values:
        values["fail_on"] = parse_severity(values["fail_on"], f"{path}: 'fail-on'")
    if "min_confidence" in values:
        values["min_confidence"] = parse_confidence(values["min_confidence"], f"{path}: 'min-confidence'")
        values["show_unknown_auth"] = values["min_confidence"] is Confidence.LOW
    permissions = values.pop("auth_permissions", {})
    for name, status in permissions.items():
        if status not in ("required", "optional", "none"):
            raise ConfigError(f"{path}: 'auth.permissions' maps '{name}' to '{status}' "
                              "(expected required, optional or none)")
    values["auth_permissions"] = tuple(sorted(permissions.items()))
    for key, value in list(values.items()):
        if isinstance(value, list):
            values[key] = tuple(value)
    return Config(root=root.resolve(), source=path, **values)


def parse_severity(text: str, where: str) -> Severity:
    """Parse a severity name or raise a ConfigError naming the valid ones."""
    try:
        return Severity(text.lower())
    except ValueError:
        valid = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{where}: unknown severity '{text}' (expected one of: {valid})") from None


def parse_confidence(text: str, where: str) -> Confidence:
    """Parse a confidence name or raise a ConfigError naming the valid ones."""
    try:
        return Confidence(text.lower())
    except ValueError:
        raise ConfigError(f"{where}: unknown confidence '{text}' (expected one of: low, medium, high)") from None


def option_names() -> list[str]:
    """Every dotted option name, for docs and rule-option checks."""
    out = []
    for key, spec in SCHEMA.items():
        if isinstance(spec, dict):
            out += [f"{key}.{sub}" for sub in spec]
        else:
            out.append(key)
    return out


__all__ = [
    "Config",
    "ConfigError",
    "Option",
    "build_config",
    "find_config",
    "load_config",
    "option_names",
    "parse_severity",
]
