"""Pictures of a view's answer, rendered on the server as SVG from its ``chart`` header.

``chart: {type: bar | heatmap | network, ...}`` (the keys are checked when the views are
loaded, :mod:`kringloop.views`; documented in ``docs/views.md``). A bar chart and a
heatmap draw a SELECT view's rows, a network draws a CONSTRUCT view's triples. Each
picture is an ``<svg role="img">`` with a title, a description and an ``aria-label``,
built with ElementTree (every label escaped), and reads without colour: patterns,
shapes and the numbers themselves carry the meaning. No JavaScript, no CDN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kringloop.chartbar import render_bar
from kringloop.chartheatmap import render_heatmap
from kringloop.chartnetwork import render_network
from kringloop.chartsvg import Row

Renderer = Callable[[Mapping[str, Any], Sequence[Row], str, str], str]
RENDERERS: dict[str, Renderer] = {
    "bar": render_bar,
    "heatmap": render_heatmap,
    "network": render_network,
}


def render_chart(
    chart: Mapping[str, Any], rows: Sequence[Row], *, title: str, language: str
) -> str:
    """The SVG text of ``chart`` drawn from ``rows`` (SPARQL JSON bindings, or s/p/o).

    ``ValueError`` if a value the chart needs is not a number.
    """
    return RENDERERS[chart["type"]](chart, rows, title, language)
