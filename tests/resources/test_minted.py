"""Every URI the bundled data mints resolves: ``/id/...`` gives data at ``/doc/...``, and
every ``kl:`` term has its anchor on ``/def``. The list is the pinned one of
``tests/publication/minted-uris.txt``."""

from __future__ import annotations

import re

from kringloop.paths import project_root
from tests.resources.resourcekit import BASE, ID, Site
from tests.service.servicekit import http

MINTED = project_root() / "tests" / "publication" / "minted-uris.txt"


def minted() -> list[str]:
    lines = MINTED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_minted_resource_has_data(site: Site) -> None:
    resources = [iri for iri in minted() if iri.startswith(ID)]
    assert len(resources) > 500
    missing = []
    for iri in resources:
        response = http.get(f"{site.url}/doc/{iri[len(ID) :]}.nt")
        if response.status_code != 200 or f"<{iri}>" not in response.text:
            missing.append((iri, response.status_code))
    assert missing == []


def test_every_minted_term_has_an_anchor_on_def(site: Site) -> None:
    terms = [iri for iri in minted() if iri.startswith(BASE + "def#")]
    assert len(terms) > 30
    page = http.get(f"{site.url}/def").text
    anchors = set(re.findall(r'<section class="term" id="([^"]+)"', page))
    assert {iri.split("#", 1)[1] for iri in terms} - anchors == set()
