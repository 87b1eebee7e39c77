"""Reading a chart back: parse the SVG and collect what it shows."""

from __future__ import annotations

import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(text: str) -> ET.Element:
    """The SVG's root; fails the test if it is not well-formed XML or not an ``<svg>``."""
    root = ET.fromstring(text)  # noqa: S314 (our own service's output, under test)
    assert root.tag == f"{SVG}svg", root.tag
    return root


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    """Every element whose ``class`` list holds ``name``."""
    return [element for element in root.iter() if name in element.get("class", "").split()]


def child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(f"{SVG}{tag}")
    assert found is not None, f"no <{tag}> in {element.attrib}"
    return found


def assert_accessible(root: ET.Element, title: str) -> None:
    """``role="img"``, an ``aria-label``, a ``<title>`` and a ``<desc>``; no style or script."""
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    assert child(root, "title").text == title
    description = child(root, "desc").text or ""
    assert len(description) > 40
    assert root.get("aria-describedby") == child(root, "desc").get("id")
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
        assert "style" not in element.attrib, element.attrib
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
