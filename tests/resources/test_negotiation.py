"""Content negotiation on /id, /doc and /def: status, media type, Vary, Link; the 303;
and every RDF answer parsed and compared with what the engine holds."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kringloop.graphs import ONTOLOGY
from tests.resources.resourcekit import (
    ACTIVITY,
    EDITION,
    ID,
    RDF_FORMATS,
    Site,
    parse_link_header,
    parse_rdf,
)
from tests.service.servicekit import http

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: Accept header -> the media type of the answer
ACCEPTS = {
    BROWSER_ACCEPT: "text/html",
    "text/html": "text/html",
    "*/*": "text/html",
    "text/turtle": "text/turtle",
    "application/ld+json": "application/ld+json",
    "application/n-triples": "application/n-triples",
    "application/rdf+xml": "application/rdf+xml",
    "text/turtle;q=0.5, application/rdf+xml": "application/rdf+xml",
    "text/html;q=0.2, text/turtle;q=0.9": "text/turtle",
}
EXPECTED_ALTERNATES = {"text/html", *RDF_FORMATS.values()}


def media_type(response: object) -> str:
    return str(response.headers["Content-Type"]).split(";")[0].strip()  # type: ignore[attr-defined]


def check_negotiated(response: object, expected: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert media_type(response) == expected
    assert "Accept" in [part.strip() for part in headers["Vary"].split(",")]
    alternates = parse_link_header(headers["Link"])
    assert set(alternates) == EXPECTED_ALTERNATES


@pytest.mark.parametrize(("accept", "expected"), ACCEPTS.items())
@pytest.mark.parametrize("path", [ACTIVITY, EDITION])
def test_id_answers_303_to_doc_for_every_accept(
    site: Site, path: str, accept: str, expected: str
) -> None:
    response = site.get(f"/id/{path}", Accept=accept)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/doc/{path}")
    assert "Accept" in response.headers["Vary"]
    followed = http.get(site.url + response.headers["Location"], headers={"Accept": accept})
    check_negotiated(followed, expected)


@pytest.mark.parametrize(("accept", "expected"), ACCEPTS.items())
@pytest.mark.parametrize("path", [f"/doc/{ACTIVITY}", "/def"])
def test_doc_and_def_by_accept(site: Site, path: str, accept: str, expected: str) -> None:
    check_negotiated(site.get(path, Accept=accept), expected)


@pytest.mark.parametrize("name", [*RDF_FORMATS, "html"])
@pytest.mark.parametrize("path", [f"/doc/{ACTIVITY}", "/def"])
def test_suffix_and_format_parameter(site: Site, path: str, name: str) -> None:
    expected = RDF_FORMATS.get(name, "text/html")
    # A suffix wins over Accept; ?format= wins over Accept.
    check_negotiated(site.get(f"{path}.{name}", Accept="application/rdf+xml"), expected)
    check_negotiated(http.get(site.url + path, params={"format": name}), expected)


def test_the_done_when_of_the_issue(site: Site) -> None:
    """curl -I -H 'Accept: text/turtle' /id/... gives 303 to the doc URL, which is Turtle."""
    head = http.head(
        f"{site.url}/id/{ACTIVITY}", headers={"Accept": "text/turtle"}, allow_redirects=False
    )
    assert head.status_code == 303
    assert head.headers["Location"] == f"/doc/{ACTIVITY}"
    doc = http.head(site.url + head.headers["Location"], headers={"Accept": "text/turtle"})
    assert doc.status_code == 200
    assert media_type(doc) == "text/turtle"


def test_303_keeps_the_language(site: Site) -> None:
    response = site.get(f"/id/{ACTIVITY}?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{ACTIVITY}?lang=en"
    page = http.get(site.url + response.headers["Location"])
    assert '<html lang="en">' in page.text


def test_link_header_urls_serve_what_they_announce(site: Site) -> None:
    alternates = parse_link_header(site.get(f"/doc/{ACTIVITY}").headers["Link"])
    for media, url in alternates.items():
        check_negotiated(http.get(site.url + url), media)


@pytest.mark.parametrize("name", RDF_FORMATS)
@pytest.mark.parametrize("path", [ACTIVITY, EDITION])
def test_rdf_answers_are_the_resources_triples_in_the_engine(
    site: Site, path: str, name: str
) -> None:
    response = site.get(f"/doc/{path}.{name}")
    assert response.status_code == 200
    served = parse_rdf(response.content, name)
    expected = site.resource_triples(ID + path)
    assert len(expected) > 5
    assert isomorphic(served, expected), set(served) ^ set(expected)


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_def_rdf_is_the_ontology(site: Site, name: str) -> None:
    response = site.get(f"/def.{name}")
    served = parse_rdf(response.content, name)
    expected = Graph()
    for path in ONTOLOGY.files():
        expected.parse(path, format="turtle")
    assert isomorphic(served, expected)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"/doc/{ACTIVITY}.png", {}),
        (f"/doc/{ACTIVITY}", {"Accept": "image/png"}),
        ("/def", {"Accept": "application/pdf"}),
        ("/def.exe", {}),
    ],
)
def test_unknown_formats_are_406_with_the_list(
    site: Site, path: str, headers: dict[str, str]
) -> None:
    response = site.get(path, **headers)
    assert response.status_code == 406
    assert "text/turtle" in response.json()["detail"]


def test_unknown_format_parameter_is_406(site: Site) -> None:
    response = http.get(f"{site.url}/doc/{ACTIVITY}", params={"format": "docx"})
    assert response.status_code == 406
