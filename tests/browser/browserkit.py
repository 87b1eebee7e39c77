"""The browser side of the browser tests: a watched page and how to run a query in it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kringloop.paths import project_root

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: Most rows in one answer of the service under test (the agenda has 139 activities).
RESULT_CAP = 50


@dataclass
class Tab:
    """A page in its own browser context, with everything it logged and requested."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests to any host but 127.0.0.1 (``data:`` and ``blob:`` stay in the page)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).hostname != "127.0.0.1"
        ]

    def assert_clean(self) -> None:
        # (this module is not rewritten by pytest: the messages say what went wrong)
        assert not self.console_errors, f"console errors: {self.console_errors}"
        foreign = self.foreign_requests()
        assert not foreign, f"requests to other hosts: {foreign}"

    def run(self, query: str | None = None) -> None:
        """Put ``query`` in the text area (if given), press Run, wait for the answer."""
        if query is not None:
            self.page.fill("#query", query)
        self.page.click("#run")
        self.wait_for_answer()

    def wait_for_answer(self) -> None:
        # Run disables the button before its first await; it is enabled again at the end.
        self.page.wait_for_function(
            "() => !document.getElementById('run').disabled"
            " && !document.getElementById('result').hasAttribute('aria-busy')"
        )


def screenshot_dir() -> Path:
    """Where browser tests keep their screenshots as artefacts (outside git: ``var/``).

    ``KRINGLOOP_SCREENSHOTS`` overrides it, e.g. for a CI job that uploads the folder.
    """
    folder = Path(os.environ.get("KRINGLOOP_SCREENSHOTS") or project_root() / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
