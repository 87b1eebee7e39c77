"""The query page (``/query``) in a real Chromium against a real ``kringloop serve``.

Expected answers are asked of ``/sparql`` directly and compared with what the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rdflib import Graph

from kringloop import create_app
from kringloop.settings import Settings
from kringloop.views import load_views
from kringloop.web.query_page import default_query
from tests.browser.browserkit import RESULT_CAP, Tab
from tests.service.servicekit import Service

OpenTab = Callable[..., Tab]

KL = "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
#: The media type each download format must come back as (from the SPARQL and RDF specs).
MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}


def cell_texts(tab: Tab, column: int) -> list[str]:
    """The shown value (without language tag or datatype) of each row's cell in ``column``."""
    texts: list[str] = tab.page.locator(
        f"#result tbody tr td:nth-child({column}) :is(.literal-value, .iri)"
    ).all_text_contents()
    return texts


def download_links(tab: Tab) -> dict[str, str]:
    links = tab.page.locator("#downloads a[data-format]")
    return {
        str(links.nth(i).get_attribute("data-format")): str(links.nth(i).get_attribute("href"))
        for i in range(links.count())
    }


# -- loading the page ------------------------------------------------------------------------


def test_page_loads_with_no_console_errors_and_only_local_requests(open_tab: OpenTab) -> None:
    tab = open_tab()
    page = tab.page
    page.wait_for_load_state("networkidle")
    assert page.title() == "SPARQL-query · Kringloop"
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.input_value("#query") == default_query("nl")
    assert page.locator("label[for=query]").inner_text() == "Query (SPARQL)"
    assert page.locator("#run").inner_text() == "Uitvoeren"
    # The stylesheets and the script were served by us and applied.
    assert page.evaluate("() => document.styleSheets.length") == 2
    assert page.locator("header.site-header .site-name").inner_text() == "Kringloop"
    assert any(url.endswith("/static/query.js") for url in tab.requests)
    assert any(url.endswith("/static/results.js") for url in tab.requests)
    tab.assert_clean()


def test_page_headers_allow_only_our_own_origin(site: Service) -> None:
    response = requests.get(f"{site.url}/query", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy  # no other origin is named
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("arguments", "status", "fragment"),
    [
        ({"lang": "fr"}, 400, "lang=nl or lang=en"),
        ({"example": "bestaat-niet"}, 404, "activiteiten-per-thema"),
        ({"example": "activiteiten-per-thema", "query": "ASK {}"}, 400, "not several"),
    ],
    ids=["unknown-language", "unknown-example", "query-and-example"],
)
def test_bad_page_arguments_get_a_clear_error(
    site: Service, arguments: dict[str, str], status: int, fragment: str
) -> None:
    response = requests.get(f"{site.url}/query", params=arguments, timeout=30)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert fragment in response.json()["detail"]


def test_query_in_the_url_over_the_size_limit_is_refused() -> None:
    # gunicorn refuses such a long request line itself (414), so this runs in-process.
    app = create_app(Settings(max_query_bytes=64, log_level="warning"))
    response = app.test_client().get("/query", query_string={"query": "#" * 65})
    assert response.status_code == 413
    assert response.json is not None and "longer than 64 bytes" in response.json["detail"]
    small = app.test_client().get("/query", query_string={"query": "#" * 64})
    assert small.status_code == 200


def test_page_is_only_read(site: Service) -> None:
    assert requests.post(f"{site.url}/query", timeout=30).status_code == 405


def test_query_in_the_url_fills_the_text_area(open_tab: OpenTab) -> None:
    tricky = "ASK { ?s ?p ?o } # </textarea><script>window.pwned = 1</script> & é"
    tab = open_tab(f"/query?query={requests.utils.quote(tricky)}")
    assert tab.page.input_value("#query") == tricky
    assert tab.page.evaluate("() => window.pwned") is None
    tab.assert_clean()


# -- curated examples ------------------------------------------------------------------------


def test_examples_are_listed_with_title_and_description(open_tab: OpenTab) -> None:
    examples = load_views()
    assert examples, "queries/ has curated queries"
    tab = open_tab()
    links = tab.page.locator("#examples a[data-example]")
    assert links.all_inner_texts() == [example.title for example in examples]
    descriptions = tab.page.locator("#examples .example-description").all_inner_texts()
    assert descriptions == [example.description for example in examples if example.description]


def test_picking_an_example_fills_the_text_area_and_runs(open_tab: OpenTab, site: Service) -> None:
    example = load_views()[0]
    tab = open_tab()
    tab.page.click(f"#examples a[data-example='{example.name}']")
    assert tab.page.input_value("#query") == example.text
    assert tab.page.evaluate("() => document.activeElement.id") == "query"
    assert parse_qs(urlsplit(tab.page.url).query)["example"] == [example.name]
    tab.run()
    expected = site.select(example.text)
    assert tab.page.locator("#result tbody tr").count() == len(expected) > 0
    tab.assert_clean()


def test_example_link_works_without_javascript(open_tab: OpenTab) -> None:
    example = load_views()[-1]
    tab = open_tab(f"/query?example={example.name}", javascript=False)
    assert tab.page.input_value("#query") == example.text


def test_example_with_a_parameter_says_so(open_tab: OpenTab) -> None:
    with_params = [example for example in load_views() if example.params]
    if not with_params:
        pytest.fail("queries/ has no curated query with params to show")
    example = with_params[0]
    tab = open_tab()
    item = tab.page.locator("#examples li").filter(
        has=tab.page.locator(f"a[data-example='{example.name}']")
    )
    assert f"?{example.params[0].name}" in item.locator(".example-params").inner_text()


# -- running queries -------------------------------------------------------------------------


def test_select_shows_the_themes_with_dutch_labels(open_tab: OpenTab, site: Service) -> None:
    tab = open_tab()
    tab.run()  # the default query
    expected = site.select(default_query("nl"))
    assert len(expected) == 10  # the ten budget programmes
    page = tab.page
    assert page.locator("#result thead th").all_inner_texts() == ["?thema", "?label"]
    assert page.locator("#result tbody tr").count() == 10
    assert page.locator("#status").inner_text() == "10 rijen"
    assert page.locator("#result caption").inner_text() == "10 rijen"
    labels = cell_texts(tab, 2)
    assert labels == [row["label"]["value"] for row in expected]
    assert "Bestuur" in labels
    assert set(page.locator("#result .literal-lang").all_inner_texts()) == {"@nl"}
    hrefs = page.locator("#result tbody td:nth-child(1) a.iri").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert hrefs == [row["thema"]["value"] for row in expected]
    assert cell_texts(tab, 1)[0].startswith("id:thema/")  # shown with its prefix
    assert page.locator("#notice").is_hidden()
    assert page.locator("#error").is_hidden()
    assert parse_qs(urlsplit(page.url).query)["query"] == [default_query("nl")]
    tab.assert_clean()


def test_ctrl_enter_runs_the_query(open_tab: OpenTab) -> None:
    tab = open_tab()
    tab.page.fill("#query", KL + "SELECT (COUNT(*) AS ?n) WHERE { ?t a kl:Thema }")
    tab.page.focus("#query")
    tab.page.keyboard.press("Control+Enter")
    tab.wait_for_answer()
    assert cell_texts(tab, 1) == ["10"]
    assert tab.page.locator("#result .literal-datatype").inner_text() == "^^xsd:integer"
    assert tab.page.input_value("#query").endswith("}")  # no newline was typed


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        (KL + "ASK { ?t a kl:Thema }", "true"),
        (KL + "ASK { ?t a kl:Thema ; kl:bestaatNiet ?x }", "false"),
    ],
    ids=["true", "false"],
)
def test_ask_shows_the_boolean(open_tab: OpenTab, query: str, answer: str) -> None:
    tab = open_tab()
    tab.run(query)
    assert tab.page.locator("#result .boolean").inner_text() == answer
    assert tab.page.locator("#status").inner_text() == f"Antwoord: {answer}"
    assert set(download_links(tab)) == {"csv", "tsv", "json", "xml"}


def test_construct_shows_turtle(open_tab: OpenTab, site: Service) -> None:
    query = KL + "CONSTRUCT { ?doel a kl:Doel } WHERE { ?doel a kl:Doel }"
    tab = open_tab()
    tab.run(query)
    turtle = tab.page.locator("#result pre.turtle").inner_text()
    assert "@prefix kl: <https://w3id.org/kringloop/def#>" in turtle
    graph = Graph().parse(data=turtle, format="turtle")
    count = site.select(KL + "SELECT (COUNT(*) AS ?n) WHERE { ?doel a kl:Doel }")
    assert len(graph) == int(count[0]["n"]["value"]) == 3  # the three goals
    assert tab.page.locator("#result table").count() == 0
    tab.assert_clean()


def test_syntax_error_shows_the_message_and_its_position(open_tab: OpenTab, site: Service) -> None:
    query = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTR(?s)\n}"
    problem = requests.post(site.sparql, data={"query": query}, timeout=30).json()
    tab = open_tab()
    tab.run(query)
    error = tab.page.locator("#error")
    assert error.is_visible()
    assert error.get_attribute("role") == "alert"
    assert error.locator("h3").inner_text() == problem["title"]
    assert error.locator(".error-detail").inner_text() == problem["detail"]
    line, column = problem["line"], problem["column"]
    assert f"{line}:{column}" in problem["detail"]
    assert f"Regel {line}, kolom {column}" in error.locator(".error-position").inner_text()
    assert tab.page.locator("#result").inner_text() == ""
    assert tab.page.locator("#downloads").is_hidden()
    tab.page.click("#error .error-position button")
    selection = tab.page.evaluate(
        "() => [document.activeElement.id, document.getElementById('query').selectionStart]"
    )
    lines = query.split("\n")
    expected_offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    assert selection == ["query", expected_offset]
    assert tab.foreign_requests() == []


def test_empty_query_is_refused_in_the_page(open_tab: OpenTab) -> None:
    tab = open_tab()
    tab.page.fill("#query", "   \n")
    tab.page.click("#run")
    assert tab.page.locator("#error h3").inner_text() == "De query is leeg."
    assert not any("/sparql" in url for url in tab.requests)


def test_markup_in_data_is_shown_as_text_and_never_runs(open_tab: OpenTab) -> None:
    script = "<script>window.pwned=1</script>"
    image = "<img src=x onerror=window.pwned=2>"
    query = (
        f'SELECT ?x ?y ?z WHERE {{ BIND("{script}" AS ?x) BIND("{image}"@nl AS ?y) '
        'BIND(IRI("javascript:window.pwned=3") AS ?z) }'
    )
    tab = open_tab()
    tab.run(query)
    page = tab.page
    assert cell_texts(tab, 1) == [script]
    assert cell_texts(tab, 2) == [image]
    assert cell_texts(tab, 3) == ["javascript:window.pwned=3"]
    assert page.locator("#result script, #result img").count() == 0
    assert page.locator("#result a").count() == 0  # a javascript: IRI is no link
    page.click("#result tbody td:nth-child(3) .iri")
    assert page.evaluate("() => window.pwned") is None
    # Markup in an error message is text too.
    tab.run("SELECT * WHERE { <img src=x onerror=window.pwned=4> }")
    assert page.locator("#error").is_visible()
    assert page.locator("#error img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_truncated_answer_says_so(open_tab: OpenTab, site: Service) -> None:
    query = KL + "SELECT ?activiteit WHERE { ?activiteit a kl:Activiteit } ORDER BY ?activiteit"
    total = site.select(KL + "SELECT (COUNT(*) AS ?n) WHERE { ?a a kl:Activiteit }")
    assert int(total[0]["n"]["value"]) > RESULT_CAP
    tab = open_tab()
    tab.run(query)
    assert tab.page.locator("#result tbody tr").count() == RESULT_CAP
    notice = tab.page.locator("#notice")
    assert notice.is_visible()
    assert f"eerste {RESULT_CAP} resultaten" in notice.inner_text()


# -- downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "formats"),
    [
        (
            KL + "SELECT ?thema WHERE { ?thema a kl:Thema } ORDER BY ?thema",
            {"csv", "tsv", "json", "xml"},
        ),
        (
            KL + "CONSTRUCT { ?doel a kl:Doel } WHERE { ?doel a kl:Doel }",
            {"ttl", "nt", "jsonld"},
        ),
    ],
    ids=["select", "construct"],
)
def test_download_links_give_the_right_media_type(
    open_tab: OpenTab, site: Service, query: str, formats: set[str]
) -> None:
    tab = open_tab()
    tab.run(query)
    links = download_links(tab)
    assert set(links) == formats
    for name, href in links.items():
        parts = urlsplit(href)
        assert parts.path == "/sparql"
        assert parse_qs(parts.query) == {"query": [query], "format": [name]}
        response = requests.get(site.url + href, timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].split(";")[0] == MEDIA_TYPES[name]
    csv_link = links.get("csv")
    if csv_link is not None:
        rows = requests.get(site.url + csv_link, timeout=30).text.splitlines()
        assert rows[0] == "thema" and len(rows) == 11


def test_long_query_is_downloaded_by_post(open_tab: OpenTab) -> None:
    padding = "# " + "lang commentaar " * 300 + "\n"
    query = padding + KL + "SELECT ?thema WHERE { ?thema a kl:Thema } ORDER BY ?thema"
    tab = open_tab()
    tab.run(query)
    assert "query" not in parse_qs(urlsplit(tab.page.url).query)  # too long to share
    assert tab.page.locator("#downloads a[data-format]").count() == 0
    with tab.page.expect_download() as started:
        tab.page.click("#downloads button[data-format=csv]")
    download = started.value
    assert download.suggested_filename == "kringloop.csv"
    lines = download.path().read_text(encoding="utf-8").splitlines()
    assert lines[0] == "thema" and len(lines) == 11
    tab.assert_clean()


# -- languages -------------------------------------------------------------------------------


def test_english_from_the_browser_language(open_tab: OpenTab, site: Service) -> None:
    tab = open_tab(locale="en-GB")
    page = tab.page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#run").inner_text() == "Run"
    assert page.locator("h1").inner_text() == "SPARQL query"
    tab.run()
    expected = site.select(default_query("en"))
    labels = cell_texts(tab, 2)
    assert labels == [row["label"]["value"] for row in expected]
    assert "Governance" in labels
    assert set(page.locator("#result .literal-lang").all_inner_texts()) == {"@en"}
    assert page.locator("#status").inner_text() == "10 rows"
    tab.assert_clean()


def test_language_switch_keeps_the_query(open_tab: OpenTab) -> None:
    query = KL + "ASK { ?t a kl:Thema }"
    tab = open_tab("/query?lang=en")
    page = tab.page
    assert page.locator("#run").inner_text() == "Run"
    tab.run(query)
    page.click(".language-switch a[hreflang=nl]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("#run").inner_text() == "Uitvoeren"
    assert page.input_value("#query") == query
    assert parse_qs(urlsplit(page.url).query)["lang"] == ["nl"]
    # The choice stays in the page's own links.
    assert "lang=nl" in str(page.locator(".site-name").get_attribute("href"))
    example_hrefs = page.locator("#examples a[data-example]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert example_hrefs and all("lang=nl" in href for href in example_hrefs)
    tab.assert_clean()


def test_dutch_by_default_and_english_on_request(site: Service) -> None:
    plain = requests.get(f"{site.url}/query", headers={"Accept-Language": "de"}, timeout=30)
    assert '<html lang="nl">' in plain.text
    asked = requests.get(
        f"{site.url}/query", params={"lang": "en"}, headers={"Accept-Language": "nl"}, timeout=30
    )
    assert '<html lang="en">' in asked.text
    preferred = requests.get(
        f"{site.url}/query", headers={"Accept-Language": "en;q=0.5, nl;q=0.9"}, timeout=30
    )
    assert '<html lang="nl">' in preferred.text
