"""Read an HTML report back with the standard library's parser: the route table, the scripts
and every attribute, for tests that compare the page with the JSON and look for injection."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

CELL_STATUS = {"m": "met", "d": "declared", "f": "failed", "u": "unknown", "n": "n/a"}
"""A route-table cell's class -> its status."""


@dataclass
class Row:
    method: str = ""
    path: str = ""
    app: str = ""
    framework: str = ""
    statuses: list[str] = field(default_factory=list)


class ReportParser(HTMLParser):
    """Collects the route rows, the script elements and every (tag, attributes) seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[Row] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._row: Row | None = None
        self._field: str | None = None
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        classes = (attributes.get("class") or "").split()
        if tag == "tr" and "route" in classes:
            self._row = Row(app=attributes.get("data-app") or "", framework=attributes.get("data-fw") or "")
            self.rows.append(self._row)
        elif self._row is not None and tag == "td" and "method" in classes:
            self._field = "method"
        elif self._row is not None and tag == "span" and "p" in classes:
            self._field = "path"
        elif self._row is not None and tag == "td" and classes and classes[0] in CELL_STATUS:
            self._row.statuses.append(CELL_STATUS[classes[0]])
        elif tag == "script":
            self._script, self._text = attributes, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None
        if tag in ("td", "span"):
            self._field = None
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)
        elif self._row is not None and self._field is not None:
            setattr(self._row, self._field, getattr(self._row, self._field) + data)


def parse_report(text: str) -> ReportParser:
    """The parsed report."""
    parser = ReportParser()
    parser.feed(text)
    parser.close()
    return parser
