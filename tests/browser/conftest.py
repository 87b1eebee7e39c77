"""Browser tests: Playwright driving Debian's Chromium against a real ``kringloop serve``.

The service runs with a small result cap (``RESULT_CAP``) so that truncation can be seen
on the real data. Without the ``playwright`` package or without Chromium these tests fail
(with the reason), they are never skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.browserkit import RESULT_CAP, Tab
from tests.service.servicekit import Service, start_managed

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

CHROMIUM = Path(os.environ.get("KRINGLOOP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Longest time (ms) Playwright waits for anything; generous for a loaded 2-core machine.
WAIT_MS = 30_000


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``kringloop serve`` with a managed Oxigraph, on a free loopback port."""
    service = start_managed(tmp_path_factory.mktemp("browser"), "--result-cap", str(RESULT_CAP))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(
            f"the browser tests need Playwright ({error}); install it with "
            "`.venv/bin/pip install -e '.[dev]'`",
            pytrace=False,
        )
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM} (`apt-get install chromium`, "
            "or set KRINGLOOP_CHROMIUM to its path)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_tab(browser: Browser, site: Service) -> Iterator[Callable[..., Tab]]:
    """``open_tab(path, locale=..., javascript=...)``: a fresh context and page at ``path``."""
    contexts: list[BrowserContext] = []

    def open_(path: str = "/query", *, locale: str = "nl-NL", javascript: bool = True) -> Tab:
        context = browser.new_context(
            base_url=site.url,
            locale=locale,
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page, site.url)
        page.on(
            "console",
            lambda message: (
                tab.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        context.on("request", lambda request: tab.requests.append(request.url))
        page.goto(path)
        return tab

    yield open_
    for context in contexts:
        context.close()
