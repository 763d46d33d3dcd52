"""The HTML report as a person uses it, in a real headless browser (Chromium from the OS,
driven by Playwright): filters and search change the visible rows, a route opens its evidence,
nothing is fetched from the network, text from the analyzed code never runs, and the page
reads on a laptop and on a phone. Screenshots go to the test's tmp dir.

Runs when Playwright and a Chromium are found; skipped otherwise, unless
`APILINT_BROWSER_TESTS=1` (set by `.ci/run`), which makes a missing browser a failure.
`APILINT_CHROMIUM` names the browser binary (default: chromium on the PATH).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apilint.cli import main

REPO = Path(__file__).resolve().parents[1]
TODO = REPO / "fixtures" / "fastapi" / "todo_api"
REQUIRED = os.environ.get("APILINT_BROWSER_TESTS") == "1"


def _chromium() -> str | None:
    named = os.environ.get("APILINT_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRED:
            pytest.fail("APILINT_BROWSER_TESTS=1 but Playwright is not installed (pip install '.[browser]')")
        pytest.skip("Playwright is not installed (pip install '.[browser]'); set APILINT_BROWSER_TESTS=1 to require it")
    executable = _chromium()
    if executable is None:
        if REQUIRED:
            pytest.fail("APILINT_BROWSER_TESTS=1 but no Chromium was found (apt-get install chromium)")
        pytest.skip("no Chromium found (apt-get install chromium); set APILINT_BROWSER_TESTS=1 to require it")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield instance
        instance.close()


def _report(app: Path, out: Path) -> Path:
    with pytest.raises(SystemExit):
        main(["check", str(app), "--format", "html", "--output", str(out), "--no-cache", "--exit-zero"])
    return out


def _open(browser: Any, report: Path, width: int, height: int) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    return page, requests, problems


def _visible(page: Any) -> int:
    return int(page.locator("#route-table tbody tr.route:visible").count())


def _local_only(requests: list[str], report: Path) -> list[str]:
    return [url for url in requests if url != report.as_uri() and not url.startswith(("data:", "about:"))]


def test_filters_search_and_details_on_a_laptop(browser: Any, tmp_path: Path) -> None:
    report = _report(TODO, tmp_path / "report.html")
    page, requests, problems = _open(browser, report, 1366, 768)
    total = _visible(page)
    assert total == 12
    assert page.locator("#f-count").inner_text() == "12 of 12 routes"

    page.select_option("#f-status", "failed")
    failing = _visible(page)
    assert 0 < failing < total
    page.select_option("#f-step", "0")  # authentication
    assert _visible(page) == 2
    assert page.locator("#f-count").inner_text() == "2 of 12 routes"
    page.select_option("#f-step", "")
    page.select_option("#f-status", "")
    assert _visible(page) == total

    page.fill("#f-search", "users")
    assert 0 < _visible(page) < total
    paths = page.locator("#route-table tbody tr.route:visible td.path").all_inner_texts()
    assert all("users" in text for text in paths)
    page.fill("#f-search", "")
    page.select_option("#f-fw", "fastapi")
    assert _visible(page) == total

    first = page.locator("#route-table tbody tr.route").first
    first.click()
    detail = page.locator("#route-table tbody tr.detail")
    assert detail.count() == 1
    assert detail.locator("ol > li").count() == 12
    assert "Input validation: failed" in detail.inner_text()
    assert "INJ001 [critical, high confidence]" in detail.inner_text()  # read from the findings list
    assert "Fix: Pass the values as bound parameters" in detail.inner_text()
    page.screenshot(path=str(tmp_path / "report-laptop.png"), full_page=True)
    first.click()
    assert page.locator("#route-table tbody tr.detail").count() == 0

    assert not _local_only(requests, report), requests
    assert not problems, problems


def test_readable_on_a_phone(browser: Any, tmp_path: Path) -> None:
    report = _report(TODO, tmp_path / "report.html")
    page, requests, problems = _open(browser, report, 390, 844)
    page_width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width <= viewport, "the page itself must not scroll sideways"
    wrap = page.evaluate("(() => { const w = document.querySelector('.table-wrap');"
                         " return [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX]; })()")
    assert wrap[0] > wrap[1] and wrap[2] == "auto", "the route table scrolls inside its container"
    page.locator("#route-table tbody tr.route").first.click()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= viewport
    # a real project's app names can be long (`prefect.runner.server.build_server.<locals>.app`)
    page.evaluate("document.getElementById('f-app').add(new Option('app.' + 'factory.'.repeat(30) + 'app'))")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport
    page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
    assert not _local_only(requests, report), requests
    assert not problems, problems


HOSTILE = '''from fastapi import FastAPI

app = FastAPI()


@app.delete("/items/{item_id}/<script>window.__pwned=1</script>")
def delete_item(item_id: int) -> None:
    """<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">"""
    return None


@app.post("/notes/</script><img src=x onerror=window.__pwned=4>")
def create_note(payload: dict) -> dict:
    return payload
'''


def test_text_from_the_analyzed_code_never_runs(browser: Any, tmp_path: Path) -> None:
    app = tmp_path / "hostile"
    (app / "app").mkdir(parents=True)
    (app / ".git").mkdir()
    (app / "app" / "main.py").write_text(HOSTILE, encoding="utf-8")
    report = _report(app, tmp_path / "hostile.html")
    page, requests, problems = _open(browser, report, 1366, 768)
    rows = page.locator("#route-table tbody tr.route")
    assert rows.count() == 2
    for i in range(rows.count()):
        rows.nth(i).click()
    assert "</script><img" in page.locator("#route-table").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not _local_only(requests, report), requests
    assert not problems, problems
