"""The chart renderers on synthetic rows: escaping, determinism, and the ``chart`` header."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kringloop.charts import render_chart
from kringloop.views import parse_view
from tests.charts.chartkit import SVG, assert_accessible, by_class, parse_svg

HOSTILE = "<script>alert(\"x\")</script> & 'quote' ]]> <!-- -->"
KL = "https://w3id.org/kringloop/def#"
ID = "https://w3id.org/kringloop/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def literal(text: str, language: str | None = None) -> dict[str, str]:
    binding = {"type": "literal", "value": text}
    if language:
        binding["xml:lang"] = language
    return binding


def iri(value: str) -> dict[str, str]:
    return {"type": "uri", "value": value}


def triple(subject: str, predicate: str, obj: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"s": iri(subject), "p": iri(predicate), "o": obj}


def graph_rows(count: int, *, hostile: bool = False) -> list[dict[str, dict[str, str]]]:
    """``count`` activities, each with a theme (of three) and a partner (of four)."""
    rows = []
    for index in range(count):
        activity = f"{ID}activiteit/a{index}"
        theme, partner = f"{ID}thema/t{index % 3}", f"{ID}partnergroep/p{index % 4}"
        rows += [
            triple(activity, f"{KL}thema", iri(theme)),
            triple(activity, f"{KL}partner", iri(partner)),
            triple(activity, RDFS_LABEL, literal(HOSTILE if hostile else f"Activiteit {index}")),
            triple(theme, SKOS_PREF_LABEL, literal(f"Thema {index % 3}", "nl")),
            triple(partner, RDFS_LABEL, literal(f"Partner {index % 4}", "en")),
            triple(partner, RDFS_LABEL, literal(f"Partner {index % 4} (nl)", "nl")),
        ]
    return rows


BAR = {"type": "bar", "x": "label", "y": ["zeker", "mogelijk"]}
HEATMAP = {"type": "heatmap", "x": "kolom", "y": "rij", "value": "aantal"}
NETWORK = {"type": "network"}


@pytest.mark.parametrize(
    ("chart", "rows", "kind"),
    [
        (BAR, [{"label": literal(HOSTILE), "zeker": literal("2")}], "bar"),
        (HEATMAP, [{"kolom": literal(HOSTILE), "rij": literal(HOSTILE), "aantal": literal("3")}],
         "heatmap"),
        (NETWORK, graph_rows(3, hostile=True), "network"),
    ],
)  # fmt: skip
def test_a_hostile_label_is_text_never_markup(
    chart: dict[str, Any], rows: list[dict[str, Any]], kind: str
) -> None:
    svg = render_chart(chart, rows, title=HOSTILE, language="nl")
    assert "<script" not in svg and "<!-- -->" not in svg
    root = parse_svg(svg)
    assert_accessible(root, HOSTILE)
    texts = [element.text for element in root.iter(f"{SVG}title")]
    assert any(text and HOSTILE in text for text in texts[1:]), texts  # a tooltip carries it
    assert root.get("class") == f"chart chart-{kind}"


def test_the_same_graph_gives_the_same_picture_whatever_the_row_order() -> None:
    rows = graph_rows(30)
    first = render_chart(NETWORK, rows, title="Netwerk", language="nl")
    shuffled = list(rows)
    random.Random(4).shuffle(shuffled)
    assert render_chart(NETWORK, shuffled, title="Netwerk", language="nl") == first
    assert render_chart(NETWORK, graph_rows(29), title="Netwerk", language="nl") != first


def test_network_nodes_get_their_dutch_label_and_a_shape() -> None:
    root = parse_svg(render_chart(NETWORK, graph_rows(8), title="N", language="en"))
    partners = [node for node in by_class(root, "node") if node.get("data-kind") == "partner"]
    assert len(partners) == 4
    assert {node.findtext(f"{SVG}title") for node in partners} == {
        f"partner: Partner {number} (nl)" for number in range(4)
    }
    assert all(node.find(f"{SVG}polygon") is not None for node in partners)
    labels = [node.findtext(f"{SVG}text") for node in by_class(root, "node")]
    assert "Activiteit 7" in labels  # a small network labels every node


def test_an_empty_graph_is_an_empty_picture_not_an_error() -> None:
    root = parse_svg(render_chart(NETWORK, [], title="Leeg", language="nl"))
    assert by_class(root, "node") == []


def test_a_value_that_is_not_a_number_is_a_clear_error() -> None:
    rows = [{"label": literal("R1"), "zeker": literal("veel"), "mogelijk": literal("1")}]
    with pytest.raises(ValueError, match="number in zeker"):
        render_chart(BAR, rows, title="R", language="nl")


def test_bar_values_scale_the_bars_and_zero_has_no_bar_but_a_number() -> None:
    rows = [
        {"label": literal("a"), "zeker": literal("4"), "mogelijk": literal("0")},
        {"label": literal("b"), "zeker": literal("2"), "mogelijk": literal("1")},
    ]
    root = parse_svg(render_chart(BAR, rows, title="R", language="nl"))
    widths = [float(bar.get("width", "0")) for bar in by_class(root, "bar")]
    assert widths[0] == 2 * widths[1] == 4 * widths[2]
    assert [label.text for label in by_class(root, "bar-value")] == ["4", "0", "2", "1"]


QUERY = "SELECT ?label ?zeker ?mogelijk WHERE { VALUES (?label ?zeker ?mogelijk) { (1 2 3) } }"
GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("chart", "query", "reason"),
    [
        ("[bar]", QUERY, "chart must be a mapping"),
        ("{type: pie}", QUERY, "type must be one of bar, heatmap, network"),
        ("{type: bar, x: label}", QUERY, "needs y"),
        ("{type: bar, x: label, y: nergens}", QUERY, "the query has no ?nergens"),
        ("{type: bar, x: label, y: [zeker, mogelijk], colour: red}", QUERY, "unknown key"),
        ("{type: bar, x: label, y: []}", QUERY, "y takes 1 to 3"),
        ("{type: bar, x: label, y: [label, zeker, mogelijk, label]}", QUERY, "y takes 1 to 3"),
        ("{type: bar, x: label, y: [zeker, mogelijk], series: label}", QUERY, "y is one variable"),
        ("{type: heatmap, x: label, y: zeker}", QUERY, "needs value"),
        ("{type: heatmap, x: '?label', y: zeker, value: mogelijk}", QUERY, "must name a variable"),
        ("{type: network}", QUERY, "draws a CONSTRUCT view"),
        ("{type: bar, x: s, y: o}", GRAPH, "draws a SELECT view"),
    ],
)
def test_a_broken_chart_header_says_what_is_wrong(chart: str, query: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("?", r"\?")):
        parse_view("v", f"#+ title: T\n#+ chart: {chart}\n{query}\n")


def test_a_good_chart_header_is_kept() -> None:
    view = parse_view("v", f"#+ title: T\n#+ chart: {{type: bar, x: label, y: zeker}}\n{QUERY}\n")
    assert view.chart == {"type": "bar", "x": "label", "y": "zeker"}
    graph = parse_view("g", f"#+ title: T\n#+ chart: {{type: network}}\n{GRAPH}\n")
    assert graph.chart == {"type": "network"}
