"""Django route text as an API path: `path()` converters and `re_path()` named groups become
`{name}` parameters (`/items/<int:pk>/` and `^items/(?P<pk>[0-9]+)/$` -> `/items/{pk}/`)."""

from __future__ import annotations

import re

from apilint.lazy_regex import lazy_compile

_CONVERTER_RE = lazy_compile(r"<(?:[A-Za-z_][A-Za-z0-9_]*:)?([A-Za-z_][A-Za-z0-9_]*)>")


def normalize_django_path(raw: str) -> tuple[str, tuple[str, ...]]:
    """`/items/<int:pk>/` and `/items/(?P<pk>[0-9]+)/` -> (`/items/{pk}/`, ("pk",))."""
    text = _named_groups(raw)
    text = _CONVERTER_RE.sub(lambda m: "{" + m.group(1) + "}", text)
    text = re.sub(r"\\([./\-_])", r"\1", text).replace("/?", "/")
    text = re.sub(r"/{2,}", "/", "/" + text.lstrip("/"))
    params = tuple(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text))
    return text, params


def _named_groups(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("(?P<", i):
            end_name = text.find(">", i)
            name = text[i + 4:end_name]
            level, j = 0, i
            while j < len(text):
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "(":
                    level += 1
                elif text[j] == ")":
                    level -= 1
                    if level == 0:
                        break
                j += 1
            out.append("{" + name + "}")
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


__all__ = ["normalize_django_path"]
