"""The SVG that every chart shares: the document, its title and description, text, legends.

Charts are built as :mod:`xml.etree.ElementTree` elements, so every label from the data
is escaped by the serialiser, never pasted into markup. Only presentation attributes
(``fill``, ``stroke``, ``font-size``...) are used, no ``style`` attribute or element: the
pages' Content-Security-Policy (``style-src 'self'``) would block those in an inline SVG.
``static/charts.css`` adds what a page may restyle, through classes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from kringloop.viewtables import short_iri

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
FONT_SIZE = 12
#: Rough width of one character at FONT_SIZE (to size the margins for labels).
CHAR_WIDTH = 6.6
INK = "#1b1b1b"
MUTED = "#5a5a5a"
#: Fills of the series, from dark to light; always with a pattern or shape beside it.
DARK = "#1f4e79"
LIGHT = "#9dc3e6"


def number(value: float) -> str:
    """A coordinate with at most one decimal, so the output is the same on every machine."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def svg_document(
    width: float, height: float, title: str, description: str, language: str, kind: str
) -> ET.Element:
    """The ``<svg>`` root: ``role="img"``, an ``aria-label``, a ``<title>`` and ``<desc>``."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": f"chart chart-{kind}",
            "width": number(width),
            "height": number(height),
            "viewBox": f"0 0 {number(width)} {number(height)}",
            "role": "img",
            "aria-label": title,
            "aria-describedby": f"chart-desc-{kind}",
            "lang": language,
            "font-family": FONT,
            "font-size": str(FONT_SIZE),
            "fill": INK,
        },
    )
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "desc", {"id": f"chart-desc-{kind}"}).text = description
    background = {"class": "chart-background", "width": "100%", "height": "100%", "fill": "#fff"}
    ET.SubElement(root, "rect", background)
    return root


def text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    attributes: Mapping[str, str] | None = None,
) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": number(x), "y": number(y), **(attributes or {})})
    element.text = content
    return element


def hatch_pattern(defs: ET.Element, identifier: str, colour: str) -> str:
    """A diagonal-line pattern (on white) in ``defs``; returns its ``url(#...)``."""
    pattern = ET.SubElement(
        defs,
        "pattern",
        {
            "id": identifier,
            "width": "6",
            "height": "6",
            "patternUnits": "userSpaceOnUse",
            "patternTransform": "rotate(45)",
        },
    )
    ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": "#ffffff"})
    ET.SubElement(pattern, "rect", {"width": "3", "height": "6", "fill": colour})
    return f"url(#{identifier})"


def text_width(content: str, size: float = FONT_SIZE) -> float:
    return len(content) * CHAR_WIDTH * size / FONT_SIZE


def shorten(content: str, limit: int) -> str:
    """``content`` cut to ``limit`` characters with an ellipsis (the full text is in a title)."""
    return content if len(content) <= limit else content[: limit - 1].rstrip() + "…"


def serialise(root: ET.Element) -> str:
    """The SVG as text (no XML declaration, so it can be put inline in an HTML page)."""
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="unicode")


# -- reading the rows -------------------------------------------------------------------------

Row = Mapping[str, Mapping[str, str]]


def cell_text(row: Row, variable: str) -> str:
    """The row's value of ``variable``; a missing ``xLabel`` falls back to ``x`` (shortened)."""
    binding = row.get(variable)
    if binding is not None:
        return binding.get("value", "")
    if variable.endswith("Label"):
        base = row.get(variable[: -len("Label")])
        if base is not None:
            return short_iri(base.get("value", ""))
    return ""


def cell_number(row: Row, variable: str) -> float:
    """The row's number in ``variable`` (0 when unbound); ValueError if it is not a number."""
    binding = row.get(variable)
    if binding is None:
        return 0.0
    try:
        return float(binding.get("value", ""))
    except ValueError:
        raise ValueError(
            f"the chart needs a number in {variable}, not {binding.get('value')!r}"
        ) from None


def display_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
