"""The views' pictures on the real engine: ``/views/<name>.svg`` and the page's inline SVG.

Every number a chart shows is read back from the SVG and compared with the view's own
JSON rows (or, for the network, with its Turtle and with the partner's portfolio).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from kringloop.views import View
from tests.charts.chartkit import SVG, assert_accessible, by_class, child, parse_svg
from tests.service.servicekit import Service, http
from tests.views.viewkit import fetch_rows

GEMEENTEN = "https://w3id.org/kringloop/id/partnergroep/gemeenten"
WATERPARTNERS = "https://w3id.org/kringloop/id/partnergroep/waterpartners"
KL = "https://w3id.org/kringloop/def#"
CHARTED = {
    "r-ladder-dekking": "bar",
    "r-ladder-groepen": "bar",
    "thema-kolom-overzicht": "bar",
    "thema-doel-matrix": "heatmap",
    "thema-r-strategie-matrix": "heatmap",
    "rollen-per-thema": "heatmap",
    "partnernetwerk": "network",
}


def get_svg(service: Service, name: str, **params: str) -> str:
    response = http.get(f"{service.url}/views/{name}.svg", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Kringloop-Truncated"] == "false"
    return response.text


def value(row: dict[str, Any], name: str) -> str:
    return str(row[name]["value"]) if name in row else ""


def test_the_views_that_need_a_picture_have_one(chart_views: dict[str, View]) -> None:
    assert {name: view.chart["type"] for name, view in chart_views.items() if view.chart} == (
        CHARTED
    )


@pytest.mark.parametrize("name", sorted(CHARTED))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_chart_is_well_formed_and_accessible(
    charts_service: Service, chart_views: dict[str, View], name: str, language: str
) -> None:
    root = parse_svg(get_svg(charts_service, name, lang=language))
    title, _ = chart_views[name].title_in(language)
    assert_accessible(root, title)
    assert root.get("lang") == language
    words = {"nl": ("tabel", "grafiek"), "en": ("table", "chart")}[language]
    description = child(root, "desc").text or ""
    assert all(word in description for word in words), description


@pytest.mark.parametrize("name", ["r-ladder-dekking", "r-ladder-groepen"])
def test_bar_numbers_are_the_rows_numbers(
    charts_service: Service, chart_views: dict[str, View], name: str
) -> None:
    view = chart_views[name]
    assert view.chart is not None
    rows = fetch_rows(charts_service, view, {})
    root = parse_svg(get_svg(charts_service, name))
    groups = by_class(root, "bar-category")
    code = view.chart.get("code")
    expected = [
        " ".join(
            part for part in (value(row, code) if code else "", value(row, view.chart["x"])) if part
        )
        for row in rows
    ]
    assert [group.get("data-category") for group in groups] == expected  # ladder order kept
    for group, row in zip(groups, rows, strict=True):
        shown = {label.get("data-series"): label.text for label in by_class(group, "bar-value")}
        assert shown == {"zeker": value(row, "zeker"), "mogelijk": value(row, "mogelijk")}


def test_r_ladder_reads_without_colour(charts_service: Service) -> None:
    """Certain and possible differ by pattern, each bar has its number, a legend names both."""
    root = parse_svg(get_svg(charts_service, "r-ladder-dekking"))
    pattern = root.find(f".//{SVG}defs/{SVG}pattern")
    assert pattern is not None
    fills = defaultdict(set)
    for bar in by_class(root, "bar"):
        fills[bar.get("data-series")].add(bar.get("fill"))
    assert fills["mogelijk"] == {f"url(#{pattern.get('id')})"}
    assert len(fills["zeker"]) == 1 and not next(iter(fills["zeker"])).startswith("url(")
    legend = by_class(root, "chart-legend")[0]
    assert [text.text for text in legend.iter(f"{SVG}text")] == ["zeker", "mogelijk"]
    assert len(by_class(root, "bar-value")) == 2 * 11  # every bar's number, zero included


def test_a_long_table_makes_one_series_per_column_value(
    charts_service: Service, chart_views: dict[str, View]
) -> None:
    rows = fetch_rows(charts_service, chart_views["thema-kolom-overzicht"], {})
    expected: dict[tuple[str, str], str] = {}
    for row in rows:
        expected[value(row, "themaLabel"), value(row, "kolomLabel")] = value(row, "activiteiten")
    root = parse_svg(get_svg(charts_service, "thema-kolom-overzicht"))
    shown = {}
    for group in by_class(root, "bar-category"):
        for label in by_class(group, "bar-value"):
            shown[group.get("data-category"), label.get("data-series")] = label.text
    assert {key: number for key, number in shown.items() if number != "0"} == expected
    assert sum(int(number) for number in shown.values()) == 139


@pytest.mark.parametrize(
    "name", ["thema-doel-matrix", "thema-r-strategie-matrix", "rollen-per-thema"]
)
def test_heatmap_cells_print_the_rows_numbers(
    charts_service: Service, chart_views: dict[str, View], name: str
) -> None:
    view = chart_views[name]
    assert view.chart is not None
    x, y, count = view.chart["x"], view.chart["y"], view.chart["value"]
    rows = fetch_rows(charts_service, view, {})
    expected = {(value(row, y), value(row, x)): value(row, count) for row in rows}
    root = parse_svg(get_svg(charts_service, name))
    shown: dict[tuple[str | None, str | None], str | None] = {}
    shades: dict[str, set[str | None]] = defaultdict(set)
    for line in by_class(root, "heatmap-row"):
        for cell in by_class(line, "heatmap-cell"):
            number = by_class(cell, "heatmap-value")[0].text
            shown[line.get("data-row"), cell.get("data-column")] = number
            shades[number or ""].add(cell.get("data-shade"))
    lines = {line for line, _ in expected}
    columns = {column for _, column in expected}
    assert len(shown) == len(lines) * len(columns)  # a full matrix
    for key, number in shown.items():
        assert number == expected.get(key, "0"), key  # no row: nothing counted
    assert shades["0"] == {"0"}  # shade follows the number, and the number is always written
    assert all("0" not in found for number, found in shades.items() if number != "0")
    column_labels = [label.findtext(f"{SVG}title") for label in by_class(root, "heatmap-column")]
    assert set(column_labels) == columns


def network_nodes(svg: str) -> dict[str, dict[str, str]]:
    """kind -> {iri: shape tag} of the drawn nodes."""
    nodes: dict[str, dict[str, str]] = defaultdict(dict)
    for node in by_class(parse_svg(svg), "node"):
        kind, iri = node.get("data-kind", ""), node.get("data-iri", "")
        shapes = [element.tag for element in node if element.tag != f"{SVG}title"]
        nodes[kind][iri] = shapes[0].removeprefix(SVG)
    return nodes


def test_network_draws_the_views_graph_with_a_shape_per_kind(
    charts_service: Service, chart_views: dict[str, View]
) -> None:
    triples = fetch_rows(charts_service, chart_views["partnernetwerk"], {})
    expected: dict[str, set[str]] = defaultdict(set)
    for triple in triples:
        predicate = triple["p"]["value"]
        if predicate in (f"{KL}thema", f"{KL}partner"):
            expected["activity"].add(triple["s"]["value"])
            kind = "theme" if predicate == f"{KL}thema" else "partner"
            expected[kind].add(triple["o"]["value"])
    svg = get_svg(charts_service, "partnernetwerk")
    nodes = network_nodes(svg)
    assert {kind: set(found) for kind, found in nodes.items()} == expected
    shapes = {kind: set(found.values()) for kind, found in nodes.items()}
    assert shapes == {"activity": {"circle"}, "theme": {"rect"}, "partner": {"polygon"}}
    legend = by_class(parse_svg(svg), "chart-legend")[0]
    legend_texts = [text.text or "" for text in legend.iter(f"{SVG}text")]
    assert [re.sub(r" \(\d+\)$", "", text) for text in legend_texts] == [
        "activiteit",
        "thema",
        "partner",
    ]
    edges = by_class(parse_svg(svg), "network-edges")[0]
    links = {
        (triple["s"]["value"], triple["o"]["value"])
        for triple in triples
        if triple["p"]["value"] in (f"{KL}thema", f"{KL}partner")
    }
    assert len(list(edges)) == len(links)


@pytest.mark.parametrize("partner", [GEMEENTEN, WATERPARTNERS])
def test_network_narrows_to_one_partners_neighbourhood(
    charts_service: Service, chart_views: dict[str, View], partner: str
) -> None:
    """The partner, its activities and their themes (from its portfolio), nothing else."""
    portfolio = http.get(
        f"{charts_service.url}/views/portfolio-partner.json", params={"partner": partner}
    ).json()["results"]["bindings"]
    assert portfolio
    nodes = network_nodes(get_svg(charts_service, "partnernetwerk", partner=partner))
    assert set(nodes["partner"]) == {partner}
    assert set(nodes["activity"]) == {row["activiteit"]["value"] for row in portfolio}
    assert set(nodes["theme"]) == {row["thema"]["value"] for row in portfolio}
    assert set(nodes) == {"partner", "activity", "theme"}


def test_the_page_shows_the_chart_beside_its_table(charts_service: Service) -> None:
    response = http.get(f"{charts_service.url}/views/rollen-per-thema", params={"lang": "en"})
    assert response.status_code == 200
    html = response.text
    figure = re.search(r'<figure id="chart"[^>]*>(.*?)</figure>', html, re.S)
    assert figure is not None
    inline = re.search(r"<svg.*?</svg>", figure.group(1), re.S)
    assert inline is not None
    assert_accessible(parse_svg(inline.group(0)), "Provincial roles per theme")
    assert 'href="/views/rollen-per-thema.svg?lang=en"' in figure.group(1)
    assert html.index('id="chart"') < html.index('id="result-table"')
    assert "charts.css" in html
    plain = http.get(f"{charts_service.url}/views/activiteiten-per-thema").text
    assert 'id="chart"' not in plain and "charts.css" not in plain


def test_the_svg_takes_the_pages_parameters_and_refuses_bad_ones(charts_service: Service) -> None:
    narrowed = get_svg(
        charts_service, "rollen-per-thema", thema="https://w3id.org/kringloop/id/thema/economie"
    )
    lines = {line.get("data-row") for line in by_class(parse_svg(narrowed), "heatmap-row")}
    assert lines == {"Economie"}
    bad = http.get(
        f"{charts_service.url}/views/rollen-per-thema.svg", params={"thema": "not an iri"}
    )
    assert bad.status_code == 400 and bad.json()["parameter"] == "thema"
    unknown = http.get(f"{charts_service.url}/views/rollen-per-thema.svg", params={"kleur": "rood"})
    assert unknown.status_code == 400
    no_chart = http.get(f"{charts_service.url}/views/activiteiten-per-thema.svg")
    assert no_chart.status_code == 406 and "svg" not in no_chart.json()["available"]
    wrong = http.get(f"{charts_service.url}/views/rollen-per-thema.ttl")
    assert wrong.status_code == 406 and wrong.json()["available"] == ["json", "csv", "svg"]
