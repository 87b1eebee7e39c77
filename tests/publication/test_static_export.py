"""``kringloop export`` writes a static HTML site: every minted resource's page, ``/def``,
the dumps index and the CSS. Exported once (a real subprocess, which starts its own
Oxigraph); then every page must be well-formed HTML, every link inside the site must reach
an exported file (and anchor), and a page must state what the live service's page states.
"""

from __future__ import annotations

import html.parser
import posixpath
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kringloop.web.staticsite import page_file, rewrite_links
from tests.service.servicekit import Service, http, start_managed

BASE = "http://127.0.0.1:8123/"
MINTED = Path(__file__).with_name("minted-uris.txt")
ID = "https://w3id.org/kringloop/id/"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
SAMPLES = (
    "activiteit/verkenning-implementatie-van-circulair-in-het-onderwijs",
    "thema/economie",
)


class Page(html.parser.HTMLParser):
    """Links, ids, the text of ``<main>``, and the nesting errors of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.errors: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self._in_main = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src", "action"):
            if found.get(name) is not None:
                self.links.append(str(found[name]))
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "main":
            self._in_main += 1
        if tag not in VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self._open or self._open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self._open[-1] if self._open else ''}>")
            return
        self._open.pop()
        if tag == "main":
            self._in_main -= 1

    def handle_data(self, data: str) -> None:
        if self._in_main and data.strip():
            self.text.append(" ".join(data.split()))

    def finish(self) -> Page:
        self.close()
        if self._open:
            self.errors.append(f"unclosed {self._open}")
        return self


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page.finish()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "kringloop", "export", "--out", str(out), "--base", BASE],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("live"))
    yield service
    service.stop()


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_minted_resource_has_a_page(site: Path) -> None:
    minted = [line[len(ID) :] for line in MINTED.read_text().split() if line.startswith(ID)]
    assert minted
    missing = [rest for rest in minted if not (site / "doc" / f"{rest}.html").is_file()]
    assert not missing, missing[:10]
    for name in ("def/index.html", "dumps/index.html", "static/base.css", "static/resources.css"):
        assert (site / name).is_file(), name


def test_every_page_is_well_formed_html(site: Path) -> None:
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        assert text.lower().startswith("<!doctype html>"), path
        page = parse(text)
        assert not page.errors, (path, page.errors[:3])


def test_every_internal_link_reaches_an_exported_file(site: Path) -> None:
    ids = {path: parse(path.read_text(encoding="utf-8")).ids for path in pages(site)}
    checked = 0
    for path in pages(site):
        for link in parse(path.read_text(encoding="utf-8")).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto") or not parts.path:
                if not parts.path and parts.fragment:
                    assert parts.fragment in ids[path], (path, link)
                continue
            assert not link.startswith("/"), (path, link)  # relative: hostable anywhere
            assert not parts.query, (path, link)  # a static server ignores queries
            target = (path.parent / parts.path).resolve()
            assert target.is_file() and site.resolve() in target.parents, (path, link)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in ids[target], (path, link)
            checked += 1
    assert checked > 10_000


def test_links_to_what_is_not_exported_go_to_the_live_service(site: Path) -> None:
    text = (site / "doc" / f"{SAMPLES[0]}.html").read_text(encoding="utf-8")
    links = parse(text).links
    assert f"{BASE}doc/{SAMPLES[0]}.ttl" in links
    assert f"{BASE}doc/{SAMPLES[0]}?lang=en" in links
    assert f"{BASE}sparql" in links


def test_inverse_link_pages_are_exported_and_chained(site: Path) -> None:
    first = site / "doc" / "agenda" / "2021-2022.html"
    links = parse(first.read_text(encoding="utf-8")).links
    assert "2021-2022.pagina-2.html" in links
    second = parse((site / "doc" / "agenda" / "2021-2022.pagina-2.html").read_text()).links
    assert "2021-2022.html" in second and "2021-2022.pagina-3.html" in second


@pytest.mark.parametrize("rest", SAMPLES)
def test_a_page_states_what_the_live_page_states(site: Path, live: Service, rest: str) -> None:
    answer = http.get(f"{live.url}/doc/{rest}", params={"lang": "nl"})
    assert answer.status_code == 200
    served = parse(answer.text)
    exported = parse((site / "doc" / f"{rest}.html").read_text(encoding="utf-8"))
    assert len(served.text) > 20
    assert exported.text == served.text


def test_page_file_maps_service_paths_to_files() -> None:
    known = frozenset({"thema/economie"})
    assert page_file("/doc/thema/economie?lang=nl", known) == "doc/thema/economie.html"
    assert page_file("/doc/thema/economie.html", known) == "doc/thema/economie.html"
    assert page_file("/doc/thema/economie?pagina=2", known) == "doc/thema/economie.pagina-2.html"
    assert page_file("/doc/thema/economie?lang=en", known) is None
    assert page_file("/doc/thema/economie.ttl", known) is None
    assert page_file("/doc/thema/onbekend", known) is None
    assert page_file("/def#Activiteit", known) == "def/index.html#Activiteit"
    assert page_file("/dumps/", known) == "dumps/index.html"
    assert page_file("/dumps/kringloop.ttl", known) == "dumps/kringloop.ttl"
    assert page_file("/static/base.css", known) == "static/base.css"
    assert page_file("/activiteiten", known) is None
    assert page_file("https://example.org/doc/thema/economie", known) is None


def test_rewrite_links_is_relative_and_escapes() -> None:
    known = frozenset({"thema/economie", "doel/x"})
    text = '<a href="/doc/doel/x?pagina=1&amp;lang=nl">x</a><a href="/views?a=1&amp;b=&quot;">v</a>'
    rewritten, wanted = rewrite_links(text, "doc/thema/economie.html", BASE, known)
    assert 'href="../doel/x.html"' in rewritten
    assert 'href="http://127.0.0.1:8123/views?a=1&amp;b=&quot;"' in rewritten
    assert wanted == ["/doc/doel/x?pagina=1&lang=nl"]
    assert posixpath.normpath("doc/thema/../doel/x.html") == "doc/doel/x.html"
