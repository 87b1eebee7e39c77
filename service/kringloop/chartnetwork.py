"""A network picture (``chart: {type: network}``) of a CONSTRUCT view's graph.

Activities, themes and partners are nodes with different *shapes* (circle, square,
diamond) and a legend; an edge joins an activity to its theme (``kl:thema``) and to each
partner (``kl:partner``). The layout is networkx's spring layout with a fixed seed over
nodes in a fixed order, rounded to a tenth of a pixel: the same graph gives the same SVG.
Narrowing is the view's business (``partnernetwerk?partner=...`` gives one partner, its
activities and their themes); the picture draws whatever graph it is given.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from kringloop.chartsvg import (
    DARK,
    FONT_SIZE,
    INK,
    LIGHT,
    MUTED,
    Row,
    number,
    serialise,
    shorten,
    svg_document,
    text,
)
from kringloop.viewtables import short_iri
from kringloop.vocab import KL

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
#: Edge predicate -> the kind of node at its object end (the subject is an activity).
EDGE_KINDS = {str(KL.thema): "theme", str(KL.partner): "partner"}
KINDS = ("activity", "theme", "partner")
SEED = 20210701
ITERATIONS = 200
MARGIN = 24
#: Room for the legend above and for the labels right of the rightmost nodes.
LEGEND_SPACE = 30
RIGHT_SPACE = 200
#: Smallest square for a connected part, and the space between parts.
MIN_SIDE = 40
PART_GAP = 24
LABEL_LIMIT = 30
#: Up to this many nodes every node is labelled; above it, activities are not (their names
#: stay in each node's tooltip and in the table).
LABEL_ALL_UP_TO = 40
#: Canvas (width, height) for up to so many nodes.
SIZES = ((12, (600, 360)), (LABEL_ALL_UP_TO, (720, 480)), (math.inf, (960, 760)))

TEXTS = {
    "nl": {
        "activity": "activiteit",
        "theme": "thema",
        "partner": "partner",
        "legend": "Legenda",
        "desc": "Netwerk van {activity} activiteiten (cirkels), {theme} thema's (vierkanten) "
        "en {partner} partners (ruiten); een lijn verbindt een activiteit met haar thema en "
        "haar partners. De tabel bij de grafiek bevat dezelfde verbindingen.",
    },
    "en": {
        "activity": "activity",
        "theme": "theme",
        "partner": "partner",
        "legend": "Legend",
        "desc": "Network of {activity} activities (circles), {theme} themes (squares) and "
        "{partner} partners (diamonds); a line joins an activity to its theme and its "
        "partners. The table beside the chart holds the same links.",
    },
}


@dataclass(frozen=True)
class Network:
    """The graph to draw: node IRI -> (kind, label), and the edges between them."""

    nodes: dict[str, tuple[str, str]]
    edges: list[tuple[str, str]]


def network_of(rows: Sequence[Row]) -> Network:
    """The nodes and edges in a graph's triples (rows of ``s``, ``p``, ``o``)."""
    kinds: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    labels: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        subject, predicate, obj = (row[name].get("value", "") for name in ("s", "p", "o"))
        if predicate in EDGE_KINDS:
            kinds.setdefault(subject, "activity")
            kinds[obj] = EDGE_KINDS[predicate]
            edges.add((subject, obj))
        elif predicate in (RDFS_LABEL, SKOS_PREF_LABEL):
            language = row["o"].get("xml:lang", "")
            rank = 0 if language == "nl" else 1 if not language else 2
            labels.setdefault(subject, []).append((rank, obj))
    nodes = {
        iri: (kind, min(labels[iri])[1] if iri in labels else short_iri(iri))
        for iri, kind in sorted(kinds.items())
    }
    return Network(nodes, sorted(edges))


def layout(network: Network, width: float, height: float) -> dict[str, tuple[float, float]]:
    """Positions inside ``width`` x ``height`` (less the margins), deterministic.

    Each connected part is laid out on its own (a spring layout would push unconnected
    parts to the corners) and stretched over a box of the canvas' shape whose area
    follows its number of nodes; the boxes are packed in rows, largest first, and the
    whole is scaled to fit.
    """
    graph = nx.Graph()
    graph.add_nodes_from(sorted(network.nodes, key=lambda iri: (network.nodes[iri][0], iri)))
    graph.add_edges_from(network.edges)
    if not graph.number_of_nodes():
        return {}
    inner_w = width - 2 * MARGIN - RIGHT_SPACE
    inner_h = height - 2 * MARGIN - LEGEND_SPACE
    parts = sorted(
        (sorted(part) for part in nx.connected_components(graph)),
        key=lambda part: (-len(part), part[0]),
    )
    total = graph.number_of_nodes()
    placed: dict[str, tuple[float, float]] = {}
    aspect = inner_w / inner_h
    x = y = row_height = 0.0
    for part in parts:
        side = max(MIN_SIDE, math.sqrt(inner_w * inner_h * len(part) / total / aspect) * 0.9)
        box_w, box_h = side * aspect, side
        if x > 0 and x + box_w > inner_w:
            x, y, row_height = 0.0, y + row_height, 0.0
        positions = nx.spring_layout(graph.subgraph(part), seed=SEED, iterations=ITERATIONS)
        xs = [float(point[0]) for point in positions.values()]
        ys = [float(point[1]) for point in positions.values()]
        span_x, span_y = (max(xs) - min(xs)) or 2.0, (max(ys) - min(ys)) or 2.0
        for node, point in positions.items():
            placed[node] = (
                x + (float(point[0]) - min(xs)) / span_x * box_w,
                y + (float(point[1]) - min(ys)) / span_y * box_h,
            )
        x += box_w + PART_GAP
        row_height = max(row_height, box_h + PART_GAP)
    used_w = max(point[0] for point in placed.values()) or 1.0
    used_h = max(point[1] for point in placed.values()) or 1.0
    scale = min(inner_w / used_w, inner_h / used_h, 1.0)
    return {
        node: (round(MARGIN + px * scale, 1), round(MARGIN + LEGEND_SPACE + py * scale, 1))
        for node, (px, py) in placed.items()
    }


def render_network(chart: Mapping[str, Any], rows: Sequence[Row], title: str, language: str) -> str:
    network = network_of(rows)
    count = len(network.nodes)
    width, height = next(size for most, size in SIZES if count <= most)
    texts = TEXTS[language]
    counts = {kind: sum(1 for k, _ in network.nodes.values() if k == kind) for kind in KINDS}
    root = svg_document(width, height, title, texts["desc"].format(**counts), language, "network")
    positions = layout(network, width, height)
    _legend(root, texts, counts)
    edges = ET.SubElement(root, "g", {"class": "network-edges", "stroke": MUTED})
    for source, target in network.edges:
        (x1, y1), (x2, y2) = positions[source], positions[target]
        ET.SubElement(
            edges,
            "line",
            {"x1": number(x1), "y1": number(y1), "x2": number(x2), "y2": number(y2),
             "stroke-width": "0.75", "stroke-opacity": "0.6"},
        )  # fmt: skip
    drawn = ET.SubElement(root, "g", {"class": "network-nodes"})
    for iri, (kind, label) in sorted(
        network.nodes.items(), key=lambda item: KINDS.index(item[1][0])
    ):
        x, y = positions[iri]
        node = ET.SubElement(
            drawn, "g", {"class": f"node node-{kind}", "data-kind": kind, "data-iri": iri}
        )
        ET.SubElement(node, "title").text = f"{texts[kind]}: {label}"
        ET.SubElement(node, *_shape(kind, x, y))
        if kind != "activity" or count <= LABEL_ALL_UP_TO:
            text(
                node,
                x + 9,
                y + FONT_SIZE / 3,
                shorten(label, LABEL_LIMIT),
                {"class": "node-label", "font-size": "11" if kind == "activity" else "12",
                 "font-weight": "bold" if kind == "theme" else "normal"},
            )  # fmt: skip
    return serialise(root)


def _shape(kind: str, x: float, y: float) -> tuple[str, dict[str, str]]:
    """Circle for an activity, square for a theme, diamond for a partner."""
    outline = {"stroke": INK, "stroke-width": "1"}
    if kind == "activity":
        return "circle", {"cx": number(x), "cy": number(y), "r": "4", "fill": LIGHT, **outline}
    if kind == "theme":
        return "rect", {
            "x": number(x - 7), "y": number(y - 7), "width": "14", "height": "14",
            "fill": DARK, **outline,
        }  # fmt: skip
    corners = [(x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)]
    points = " ".join(f"{number(px)},{number(py)}" for px, py in corners)
    return "polygon", {"points": points, "fill": "#ffffff", **outline, "stroke-width": "1.5"}


def _legend(root: ET.Element, texts: Mapping[str, str], counts: Mapping[str, int]) -> None:
    legend = ET.SubElement(root, "g", {"class": "chart-legend", "aria-label": texts["legend"]})
    x = MARGIN
    for kind in KINDS:
        ET.SubElement(legend, *_shape(kind, x + 7, MARGIN))
        label = f"{texts[kind]} ({counts[kind]})"
        text(legend, x + 18, MARGIN + FONT_SIZE / 3, label)
        x += 18 + len(label) * 7 + 24
