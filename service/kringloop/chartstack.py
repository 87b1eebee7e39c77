"""A stacked bar chart: per category one horizontal bar split into its parts.

Used by the December report (status of the activities per theme, per column, per
R-strategy group): each part has its own fill *and* pattern, the legend names them, and
every part wide enough carries its number, while each bar ends with its total, so the
chart reads without colour and in black and white print.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from kringloop.chartsvg import (
    FONT_SIZE,
    INK,
    MUTED,
    hatch_pattern,
    number,
    serialise,
    shorten,
    svg_document,
    text,
    text_width,
)

BAR_HEIGHT = 16
GAP = 8
PLOT_WIDTH = 330
MARGIN = 12
LABEL_LIMIT = 38
SWATCH = 12
#: One fill per part, told apart by lightness and pattern as well as hue (the report's
#: statuses: not started, started, running, completed, stopped, merged, no record).
_FILLS = ("#d9d9d9", "#2e75b6", "#2e75b6", "#1f4e79", "#5a5a5a", "#9dc3e6", "#ffffff")
_HATCHED = (False, True, False, False, True, True, False)
_TEXT_ON = (INK, INK, "#ffffff", "#ffffff", INK, INK, INK)

TEXTS = {
    "nl": "Gestapeld staafdiagram: per {x} het aantal activiteiten per {parts}. Elk deel heeft "
    "een eigen patroon (zie de legenda); het totaal staat achter elke staaf. De tabel bij de "
    "grafiek bevat dezelfde getallen.",
    "en": "Stacked bar chart: per {x} the number of activities per {parts}. Each part has its "
    "own pattern (see the legend); the total follows each bar. The table beside the chart "
    "holds the same numbers.",
}


def render_stacked(
    categories: Sequence[tuple[str, Sequence[int]]],
    parts: Sequence[str],
    *,
    title: str,
    x_name: str,
    parts_name: str,
    language: str,
    identifier: str,
) -> str:
    """The SVG of one stacked bar per category; ``identifier`` keeps ids unique on a page."""
    if len(parts) > len(_FILLS):
        raise ValueError(f"a stacked bar chart draws at most {len(_FILLS)} parts")
    largest = max((sum(values) for _, values in categories), default=0) or 1
    label_width = max(
        (text_width(shorten(label, LABEL_LIMIT)) for label, _ in categories), default=0
    )
    left = MARGIN + label_width + 8
    legend_rows = _legend_rows(parts, left + PLOT_WIDTH + 40)
    legend_height = len(legend_rows) * (SWATCH + 8) + 4
    width = left + PLOT_WIDTH + 40 + MARGIN
    height = MARGIN + legend_height + len(categories) * (BAR_HEIGHT + GAP) + MARGIN
    description = TEXTS[language].format(x=x_name, parts=parts_name)
    root = svg_document(width, height, title, description, language, identifier)
    defs = ET.SubElement(root, "defs")
    fills = [
        hatch_pattern(defs, f"{identifier}-hatch-{index}", colour) if hatched else colour
        for index, (colour, hatched) in enumerate(zip(_FILLS, _HATCHED, strict=True))
    ]

    legend = ET.SubElement(root, "g", {"class": "chart-legend"})
    y = MARGIN
    for row in legend_rows:
        x = float(MARGIN)
        for index in row:
            ET.SubElement(legend, "rect", _box(x, y, SWATCH, SWATCH, fills[index]))
            text(legend, x + SWATCH + 4, y + SWATCH - 2, parts[index])
            x += SWATCH + 4 + text_width(parts[index]) + 16
        y += SWATCH + 8

    top = MARGIN + legend_height
    for position, (label, values) in enumerate(categories):
        y = top + position * (BAR_HEIGHT + GAP)
        group = ET.SubElement(root, "g", {"class": "stack-category", "data-category": label})
        summary = "; ".join(
            f"{part}: {value}" for part, value in zip(parts, values, strict=True) if value
        )
        ET.SubElement(group, "title").text = f"{label} — {summary or '0'}"
        text(
            group,
            left - 8,
            y + BAR_HEIGHT / 2 + FONT_SIZE / 3,
            shorten(label, LABEL_LIMIT),
            {"text-anchor": "end", "class": "bar-label"},
        )
        x = float(left)
        for index, value in enumerate(values):
            if not value:
                continue
            part_width = PLOT_WIDTH * value / largest
            rect = ET.SubElement(group, "rect", _box(x, y, part_width, BAR_HEIGHT, fills[index]))
            rect.set("data-part", parts[index])
            rect.set("data-value", str(value))
            if part_width >= text_width(str(value)) + 4:
                text(
                    group,
                    x + part_width / 2,
                    y + BAR_HEIGHT - 4,
                    str(value),
                    {"text-anchor": "middle", "fill": _TEXT_ON[index], "class": "part-value"},
                )
            x += part_width
        text(group, x + 4, y + BAR_HEIGHT - 4, str(sum(values)), {"class": "bar-total"})
    ET.SubElement(
        root,
        "line",
        {"x1": number(left), "y1": number(top - 4), "x2": number(left),
         "y2": number(height - MARGIN), "stroke": MUTED, "stroke-width": "1"},
    )  # fmt: skip
    return serialise(root)


def _box(x: float, y: float, width: float, height: float, fill: str) -> dict[str, str]:
    return {
        "x": number(x),
        "y": number(y),
        "width": number(max(width, 1)),
        "height": number(height),
        "fill": fill,
        "stroke": INK,
        "stroke-width": "0.75",
    }


def _legend_rows(parts: Sequence[str], width: float) -> list[list[int]]:
    """The legend's entries wrapped into rows that fit ``width``."""
    rows: list[list[int]] = [[]]
    used = float(MARGIN)
    for index, part in enumerate(parts):
        needed = SWATCH + 4 + text_width(part) + 16
        if rows[-1] and used + needed > width:
            rows.append([])
            used = float(MARGIN)
        rows[-1].append(index)
        used += needed
    return rows
