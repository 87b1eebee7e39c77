"""A bar chart (``chart: {type: bar, x: ..., y: [...]}``): one group of bars per row.

Rows keep the view's order (the R-ladder from R0 down). Bars are horizontal so the
labels stay readable; each series has its own fill *and* pattern (solid, hatched,
outlined), a legend names them, and every bar carries its number, zero included, so the
chart reads without colour.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from kringloop.chartsvg import (
    DARK,
    FONT_SIZE,
    INK,
    LIGHT,
    MUTED,
    Row,
    cell_number,
    cell_text,
    display_number,
    hatch_pattern,
    number,
    serialise,
    shorten,
    svg_document,
    text,
    text_width,
)
from kringloop.views import MAX_BAR_SERIES

BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 12
PLOT_WIDTH = 360
MARGIN = 16
LABEL_LIMIT = 40

TEXTS = {
    "nl": {
        "desc": "Staafdiagram: per {x} de aantallen {series}. Elke reeks heeft een eigen "
        "patroon (zie de legenda) en elke staaf zijn getal. De tabel bij de grafiek "
        "bevat dezelfde getallen.",
        "legend": "Legenda",
    },
    "en": {
        "desc": "Bar chart: per {x} the numbers {series}. Each series has its own pattern "
        "(see the legend) and each bar its number. The table beside the chart holds "
        "the same numbers.",
        "legend": "Legend",
    },
}


def series_of(chart: Mapping[str, Any]) -> list[str]:
    y = chart["y"]
    return [y] if isinstance(y, str) else list(y)


def render_bar(chart: Mapping[str, Any], rows: Sequence[Row], title: str, language: str) -> str:
    series, categories = _categories(chart, rows)
    largest = max((value for _, values in categories for value in values), default=0.0) or 1.0
    label_width = max(
        (text_width(shorten(label, LABEL_LIMIT)) for label, _ in categories), default=0
    )
    left = MARGIN + label_width + 8
    legend_height = 28
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    width = left + PLOT_WIDTH + 40 + MARGIN
    height = MARGIN + legend_height + len(categories) * (group_height + GROUP_GAP) + MARGIN
    texts = TEXTS[language]
    description = texts["desc"].format(x=chart["x"], series=", ".join(series))
    root = svg_document(width, height, title, description, language, "bar")
    defs = ET.SubElement(root, "defs")
    fills = _fills(defs, len(series))

    legend = ET.SubElement(root, "g", {"class": "chart-legend", "aria-label": texts["legend"]})
    position = left
    for name, fill in zip(series, fills, strict=True):
        ET.SubElement(legend, "rect", _swatch(position, MARGIN, fill))
        text(legend, position + 20, MARGIN + 11, name)
        position += 20 + text_width(name) + 24

    top = MARGIN + legend_height
    ET.SubElement(
        root,
        "line",
        {"x1": number(left), "y1": number(top - 4), "x2": number(left),
         "y2": number(height - MARGIN), "stroke": MUTED, "stroke-width": "1"},
    )  # fmt: skip
    for index, (label, values) in enumerate(categories):
        y = top + index * (group_height + GROUP_GAP)
        group = ET.SubElement(root, "g", {"class": "bar-category", "data-category": label})
        summary = "; ".join(
            f"{name}: {display_number(value)}" for name, value in zip(series, values, strict=True)
        )
        ET.SubElement(group, "title").text = f"{label} — {summary}"
        text(
            group,
            left - 8,
            y + group_height / 2 + FONT_SIZE / 3,
            shorten(label, LABEL_LIMIT),
            {"text-anchor": "end", "class": "bar-label"},
        )
        for position_in_group, (name, value, fill) in enumerate(
            zip(series, values, fills, strict=True)
        ):
            bar_y = y + position_in_group * (BAR_HEIGHT + BAR_GAP)
            bar_width = PLOT_WIDTH * value / largest
            if bar_width > 0:
                ET.SubElement(
                    group,
                    "rect",
                    {
                        "class": f"bar bar-{position_in_group}",
                        "data-series": name,
                        "x": number(left),
                        "y": number(bar_y),
                        "width": number(max(bar_width, 1)),
                        "height": str(BAR_HEIGHT),
                        "fill": fill,
                        "stroke": INK,
                        "stroke-width": "0.75",
                    },
                )
            text(
                group,
                left + bar_width + 4,
                bar_y + BAR_HEIGHT - 3,
                display_number(value),
                {"class": "bar-value", "data-series": name},
            )
    return serialise(root)


def _categories(
    chart: Mapping[str, Any], rows: Sequence[Row]
) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """The series' names, and per category (in the rows' order) its label and values.

    With ``series``, each row gives one value (``y``) of the series named in that column
    (a "long" table); else each row is a category and each ``y`` variable a series.
    """
    x: str = chart["x"]
    code: str | None = chart.get("code")
    by_series: str | None = chart.get("series")
    labels: list[str] = []
    cells: dict[tuple[str, str], float] = {}
    series = [] if by_series else series_of(chart)[:MAX_BAR_SERIES]
    for row in rows:
        label = cell_text(row, x)
        if code and cell_text(row, code):
            label = f"{cell_text(row, code)} {label}"
        if label not in labels:
            labels.append(label)
        if by_series:
            name = cell_text(row, by_series)
            if name not in series:
                if len(series) == MAX_BAR_SERIES:
                    raise ValueError(f"a bar chart draws at most {MAX_BAR_SERIES} series")
                series.append(name)
            cells[label, name] = cells.get((label, name), 0.0) + cell_number(row, chart["y"])
        else:
            for name in series:
                cells[label, name] = cell_number(row, name)
    return series, [(label, [cells.get((label, name), 0.0) for name in series]) for label in labels]


def _fills(defs: ET.Element, count: int) -> list[str]:
    """Solid dark, hatched, light: told apart by pattern and lightness, not by hue."""
    fills = [DARK, hatch_pattern(defs, "bar-hatch", DARK), LIGHT]
    return fills[:count]


def _swatch(x: float, y: float, fill: str) -> dict[str, str]:
    return {
        "x": number(x),
        "y": number(y),
        "width": "14",
        "height": "14",
        "fill": fill,
        "stroke": INK,
        "stroke-width": "0.75",
    }
