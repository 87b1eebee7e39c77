"""/edities and /edities/verschil on a running service with a stored second edition."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kringloop.editiondiff import COLUMNS
from kringloop.editions import agenda_graph
from kringloop.partners.registry import ADMIN
from tests.editions.editionkit import (
    EXPECTED,
    NEW,
    NEW_LABEL,
    OLD,
    REMOVED,
    THEME,
    edition_2023,
    store_edition,
    trig,
)
from tests.graphstore.gskit import Partners, register_partners
from tests.service.servicekit import Service, http, start_managed

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def partners(tmp_path_factory: pytest.TempPathFactory) -> Partners:
    directory = tmp_path_factory.mktemp("editions")
    found = register_partners(directory / "var")
    store_edition(found.data_dir, edition_2023())
    return found


@pytest.fixture(scope="module")
def service(partners: Partners) -> Iterator[Service]:
    running = start_managed(partners.data_dir.parent)
    yield running
    running.stop()


def diff_url(service: Service, suffix: str = "") -> str:
    return f"{service.url}/edities/verschil{suffix}"


BOTH = {"van": OLD, "naar": NEW}


def test_the_editions_are_listed_oldest_first(service: Service) -> None:
    response = http.get(f"{service.url}/edities.json")
    assert response.status_code == 200
    document = response.json()
    assert document["current"] == NEW
    assert [e["ref"] for e in document["editions"]] == [OLD, NEW]
    assert [e["current"] for e in document["editions"]] == [False, True]
    assert document["editions"][1]["revisionOf"] == "https://w3id.org/kringloop/id/agenda/2021-2022"
    page = http.get(f"{service.url}/edities")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Uitvoeringsagenda Circulaire Samenleving 2023-2024" in page.text
    assert "huidige editie" in page.text
    assert "/edities/verschil?van=2021-2022&amp;naar=2023-2024" in page.text
    english = http.get(f"{service.url}/edities", params={"lang": "en"})
    assert "current edition" in english.text


def test_the_diff_as_json(service: Service) -> None:
    response = http.get(diff_url(service, ".json"), params=BOTH)
    assert response.status_code == 200
    document = response.json()
    assert (document["old"]["ref"], document["new"]["ref"]) == (OLD, NEW)
    rows = [
        (
            change["theme"]["iri"].rsplit("/", 1)[-1],
            change["activity"],
            change["kind"],
            change["field"] or "",
            [value["iri"] or value["label"] for value in change["old"]],
            [value["iri"] or value["label"] for value in change["new"]],
        )
        for change in document["changes"]
    ]
    assert rows == EXPECTED
    assert document["counts"]["added"] == 1 and document["counts"]["partners-changed"] == 0


def test_the_diff_as_csv(service: Service) -> None:
    response = http.get(diff_url(service, ".csv"), params={**BOTH, "lang": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "verschil-2021-2022-2023-2024.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == COLUMNS
    assert [row["kind"] for row in rows] == [row[2] for row in EXPECTED]
    assert rows[3]["kindLabel"] == "theme changed"
    assert (rows[3]["old"], rows[3]["new"]) == ("Overhead", "Economy")


def test_the_diff_page_groups_by_theme_and_escapes(service: Service) -> None:
    response = http.get(diff_url(service), params=BOTH)
    assert response.status_code == 200
    html = response.text
    assert "6 wijziging(en) bij 6 activiteit(en)" in html
    for theme in ("Ruimtelijke ordening (2)", "Economie (1)", "Overhead (2)"):
        assert theme in html
    assert "Gebiedsgericht circulair ontwerpen &amp; bouwen &lt;b&gt;2023&lt;/b&gt;" in html
    assert "<b>2023</b>" not in html and NEW_LABEL not in html
    assert 'href="/doc/activiteit/circulaire-inkoop"' in html
    # Without van/naar the page compares the previous with the current edition.
    assert http.get(diff_url(service)).text.count("change-theme-changed") == 1


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/json", "application/json"),
        ("text/csv", "text/csv"),
        ("text/html", "text/html"),
    ],
)
def test_accept_chooses_the_format(service: Service, accept: str, media: str) -> None:
    response = http.get(diff_url(service), params=BOTH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media)
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("suffix", "params", "headers", "status", "needle"),
    [
        (".json", {"van": OLD, "naar": "2023"}, {}, 404, "known editions: 2021-2022, 2023-2024"),
        ("", {"van": "2019", "naar": NEW}, {}, 404, "there is no edition '2019'"),
        (".csv", {"van": "x/../y", "naar": NEW}, {}, 400, "not an edition reference"),
        (".json", {"van": OLD}, {}, 400, "give both editions"),
        (".json", {**BOTH, "thema": "x"}, {}, 400, "unknown parameter 'thema'"),
        (".xml", BOTH, {}, 406, "not offered"),
        ("", BOTH, {"Accept": "image/png"}, 406, "not offered"),
        ("", {**BOTH, "lang": "fr"}, {}, 400, "unknown language"),
    ],
)
def test_bad_requests_are_problems(
    service: Service,
    suffix: str,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    needle: str,
) -> None:
    response = http.get(diff_url(service, suffix), params=params, headers=headers)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert needle in response.json()["detail"]


def test_the_administrator_writes_an_edition_in_one_trig_put(
    service: Service, partners: Partners
) -> None:
    """Both graphs of edition 2023-2024 in one all-or-nothing PUT (same content as stored)."""
    response = requests.put(
        f"{service.url}/graph-store",
        params={"graph": agenda_graph(NEW)},
        data=trig(edition_2023()),
        headers={"Content-Type": "application/trig", **partners.auth(ADMIN)},
        timeout=120,
    )
    assert response.status_code in (200, 201, 204), response.text[:500]
    assert http.get(diff_url(service, ".json"), params=BOTH).json()["counts"]["added"] == 1


def test_kringloop_diff_on_the_services_data_dir(service: Service, partners: Partners) -> None:
    import subprocess
    import sys

    data_dir = Path(partners.data_dir)
    result = subprocess.run(
        [sys.executable, "-m", "kringloop", "diff", OLD, NEW, "--data-dir", str(data_dir),
         "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    page = http.get(diff_url(service, ".csv"), params=BOTH).text
    assert rows == list(csv.DictReader(io.StringIO(page)))


def sparql_values(service: Service, query: str) -> list[str]:
    response = http.get(
        service.sparql,
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return sorted(b["t"]["value"] for b in response.json()["results"]["bindings"])


def test_only_the_current_edition_is_in_the_default_graph(service: Service) -> None:
    """The activity whose theme changed has one theme in the default graph, the new one;
    the superseded edition still answers as a named graph."""
    theme = "<https://w3id.org/kringloop/def#thema>"
    activity = f"<{THEME.value}>"
    assert sparql_values(service, f"SELECT ?t WHERE {{ {activity} {theme} ?t }}") == [
        "https://w3id.org/kringloop/id/thema/economie"
    ]
    old = f"SELECT ?t WHERE {{ GRAPH <{agenda_graph(OLD)}> {{ {activity} {theme} ?t }} }}"
    assert sparql_values(service, old) == ["https://w3id.org/kringloop/id/thema/overhead"]
    removed = f"ASK {{ <{REMOVED.value}> ?p ?o }}"
    answer = http.get(
        service.sparql,
        params={"query": removed},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.json()["boolean"] is False
    default = http.get(
        f"{service.url}/graph-store",
        params={"default": ""},
        headers={"Accept": "application/n-triples"},
    )
    assert f"<{REMOVED.value}>" not in default.text
    assert f"{activity} {theme} <https://w3id.org/kringloop/id/thema/economie>" in default.text
