"""A matrix heatmap (``chart: {type: heatmap, x: ..., y: ..., value: ...}``).

One row per distinct ``y``, one column per distinct ``x`` (both in the view's order),
each cell shaded by its value *and* showing the number, so it reads without colour. A
combination the view has no row for is a count of nothing: it shows 0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from kringloop.chartsvg import (
    FONT_SIZE,
    INK,
    MUTED,
    Row,
    cell_number,
    cell_text,
    display_number,
    number,
    serialise,
    shorten,
    svg_document,
    text,
    text_width,
)

CELL_WIDTH = 44
CELL_HEIGHT = 26
MARGIN = 16
LABEL_LIMIT = 36
#: Shades from none to most (light to dark blue); dark cells get white numbers.
SHADES = ("#ffffff", "#deebf7", "#9ecae1", "#4292c6", "#08519c")
DARK_FROM = 3
#: The column labels are turned by this many degrees (anticlockwise).
ANGLE = 45

TEXTS = {
    "nl": {
        "desc": "Matrix: per {y} (rijen) en {x} (kolommen) het getal {value}, in elke cel "
        "geschreven; hoe donkerder de cel, hoe groter het getal. De tabel bij de grafiek "
        "bevat dezelfde getallen.",
    },
    "en": {
        "desc": "Matrix: per {y} (rows) and {x} (columns) the number {value}, written in "
        "each cell; the darker the cell, the larger the number. The table beside the chart "
        "holds the same numbers.",
    },
}


def render_heatmap(chart: Mapping[str, Any], rows: Sequence[Row], title: str, language: str) -> str:
    x_name: str = chart["x"]
    y_name: str = chart["y"]
    value_name: str = chart["value"]
    columns: list[str] = []
    lines: list[str] = []
    values: dict[tuple[str, str], float] = {}
    for row in rows:
        column, line = cell_text(row, x_name), cell_text(row, y_name)
        if column not in columns:
            columns.append(column)
        if line not in lines:
            lines.append(line)
        values[line, column] = values.get((line, column), 0.0) + cell_number(row, value_name)
    largest = max(values.values(), default=0.0)
    row_label_width = max((text_width(shorten(line, LABEL_LIMIT)) for line in lines), default=0)
    column_label_height = (
        max((text_width(shorten(column, LABEL_LIMIT)) for column in columns), default=0) * 0.72
        + FONT_SIZE
    )
    left = MARGIN + row_label_width + 8
    top = MARGIN + column_label_height + 8
    width = left + len(columns) * CELL_WIDTH + column_label_height * 0.72 + MARGIN
    height = top + len(lines) * CELL_HEIGHT + MARGIN
    description = TEXTS[language]["desc"].format(x=x_name, y=y_name, value=value_name)
    root = svg_document(width, height, title, description, language, "heatmap")

    header = ET.SubElement(root, "g", {"class": "heatmap-columns"})
    for index, column in enumerate(columns):
        x = left + index * CELL_WIDTH + CELL_WIDTH / 2
        label = text(
            header,
            x,
            top - 6,
            shorten(column, LABEL_LIMIT),
            {
                "class": "heatmap-column",
                "transform": f"rotate(-{ANGLE} {number(x)} {number(top - 6)})",
            },
        )
        ET.SubElement(label, "title").text = column
    for line_index, line in enumerate(lines):
        y = top + line_index * CELL_HEIGHT
        group = ET.SubElement(root, "g", {"class": "heatmap-row", "data-row": line})
        label = text(
            group,
            left - 8,
            y + CELL_HEIGHT / 2 + FONT_SIZE / 3,
            shorten(line, LABEL_LIMIT),
            {"text-anchor": "end", "class": "heatmap-row-label"},
        )
        ET.SubElement(label, "title").text = line
        for column_index, column in enumerate(columns):
            value = values.get((line, column), 0.0)
            shade = _shade(value, largest)
            x = left + column_index * CELL_WIDTH
            cell = ET.SubElement(
                group,
                "g",
                {"class": "heatmap-cell", "data-column": column, "data-shade": str(shade)},
            )
            ET.SubElement(cell, "title").text = f"{line} × {column}: {display_number(value)}"
            ET.SubElement(
                cell,
                "rect",
                {
                    "x": number(x),
                    "y": number(y),
                    "width": str(CELL_WIDTH),
                    "height": str(CELL_HEIGHT),
                    "fill": SHADES[shade],
                    "stroke": MUTED,
                    "stroke-width": "0.5",
                },
            )
            text(
                cell,
                x + CELL_WIDTH / 2,
                y + CELL_HEIGHT / 2 + FONT_SIZE / 3,
                display_number(value),
                {
                    "class": "heatmap-value",
                    "text-anchor": "middle",
                    "fill": "#ffffff" if shade >= DARK_FROM else INK,
                    "font-weight": "bold" if value else "normal",
                },
            )
    return serialise(root)


def _shade(value: float, largest: float) -> int:
    """0 for nothing, else 1 to 4 by the value's share of the largest."""
    if value <= 0 or largest <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + int((len(SHADES) - 1) * value / largest * 0.999))
