"""410 Gone for removed resources: ``/id/...`` and ``/doc/...`` of an IRI listed in the
removals file answer 410, as a page that says when and links the replacement, or as
problem JSON for RDF clients. The removals come from a temporary file handed to the app
through ``app.config`` (the real app; no engine is needed, as a removal is answered
before any query)."""

from __future__ import annotations

import html.parser
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kringloop import create_app
from kringloop.errors import ConfigurationError
from kringloop.removals import load_removals, removals_path
from kringloop.settings import Settings
from kringloop.web.resources import REMOVED_CONFIG

BASE = "https://w3id.org/kringloop/"
REMOVALS = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/kringloop/id/activiteit/oude-naam>
    prov:invalidatedAtTime "2027-01-15T00:00:00Z"^^xsd:dateTime ;
    dcterms:isReplacedBy <https://w3id.org/kringloop/id/activiteit/nieuwe-naam> ;
    rdfs:comment "Samengevoegd met <b>nieuwe-naam</b>"@nl, "Merged with nieuwe-naam"@en .

<https://w3id.org/kringloop/id/partner/weg>
    prov:invalidatedAtTime "2027-02-01T00:00:00Z"^^xsd:dateTime .
"""


@pytest.fixture()
def app(tmp_path: Path) -> Flask:
    path = tmp_path / "removed-uris.ttl"
    path.write_text(REMOVALS, encoding="utf-8")
    application = create_app(Settings.load(environ={}))
    application.config[REMOVED_CONFIG] = str(path)
    return application


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id") and tag == "a":
            self.ids[str(found["id"])] = str(found.get("href"))


def test_id_of_a_removed_resource_is_gone_for_a_browser(client: FlaskClient) -> None:
    response = client.get("/id/activiteit/oude-naam", headers={"Accept": "text/html"})
    assert response.status_code == 410
    text = response.get_data(as_text=True)
    assert "2027-01-15T00:00:00" in text
    assert BASE + "id/activiteit/oude-naam" in text
    parser = _Links()
    parser.feed(text)
    assert parser.ids["replacement"] == "/doc/activiteit/nieuwe-naam"
    assert "&lt;b&gt;nieuwe-naam&lt;/b&gt;" in text  # the comment, escaped, in Dutch
    assert response.headers["Link"] == '</doc/activiteit/nieuwe-naam>; rel="successor-version"'


def test_doc_of_a_removed_resource_is_gone_in_english(client: FlaskClient) -> None:
    response = client.get("/doc/activiteit/oude-naam?lang=en")
    assert response.status_code == 410
    text = response.get_data(as_text=True)
    assert "Removed on" in text and "Merged with nieuwe-naam" in text


def test_a_removal_without_replacement_says_so(client: FlaskClient) -> None:
    response = client.get("/doc/partner/weg.html")
    assert response.status_code == 410
    text = response.get_data(as_text=True)
    assert 'id="no-replacement"' in text and 'id="replacement"' not in text
    assert "Link" not in response.headers or "successor" not in response.headers["Link"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/doc/activiteit/oude-naam", {"Accept": "text/turtle"}),
        ("/doc/activiteit/oude-naam.ttl", {}),
        ("/doc/activiteit/oude-naam?format=jsonld", {}),
        ("/id/activiteit/oude-naam", {"Accept": "application/ld+json"}),
    ],
)
def test_rdf_clients_get_problem_json(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 410
    assert response.content_type.startswith("application/problem+json")
    problem = json.loads(response.get_data(as_text=True))
    assert problem["status"] == 410
    assert problem["removed"].startswith("2027-01-15T00:00:00")
    assert problem["replaced_by"] == BASE + "id/activiteit/nieuwe-naam"


def test_other_resources_still_redirect(client: FlaskClient) -> None:
    response = client.get("/id/activiteit/nieuwe-naam", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/activiteit/nieuwe-naam"


def test_the_file_is_read_again_when_it_changes(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "later.ttl"
    path.write_text("", encoding="utf-8")
    app.config[REMOVED_CONFIG] = str(path)
    client = app.test_client()
    assert client.get("/id/partner/weg").status_code == 303
    path.write_text(REMOVALS, encoding="utf-8")
    import os

    os.utime(path, ns=(1, 10**18))
    assert client.get("/id/partner/weg").status_code == 410


def test_the_bundled_file_removes_nothing() -> None:
    assert removals_path().is_file()
    assert load_removals(removals_path()) == {}


@pytest.mark.parametrize(
    "body",
    [
        "<http://example.org/x> <http://www.w3.org/ns/prov#invalidatedAtTime> "
        '"2027-01-01T00:00:00Z" .',
        "<https://w3id.org/kringloop/id/x> <http://purl.org/dc/terms/isReplacedBy> "
        "<https://w3id.org/kringloop/id/y> .",
        "this is not turtle",
    ],
)
def test_a_bad_removals_file_is_a_clear_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"bad\.ttl"):
        load_removals(path)
