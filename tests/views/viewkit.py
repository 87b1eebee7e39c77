"""Helpers for the view tests: fetch a view's rows over HTTP as the checks see them."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kringloop.viewchecks import Row
from kringloop.views import View
from tests.service.servicekit import Service, http


def fetch_rows(service: Service, view: View, params: dict[str, str]) -> list[Row]:
    """The view's answer with ``params``: JSON bindings, or a graph's triples as s, p, o."""
    if view.form == "CONSTRUCT":
        response = http.get(f"{service.url}/views/{view.name}.ttl", params=params)
        assert response.status_code == 200, response.text
        return [
            {
                "s": {"value": quad.subject.value},
                "p": {"value": quad.predicate.value},
                "o": {"value": quad.object.value},
            }
            for quad in ox.parse(response.content, format=ox.RdfFormat.TURTLE)
        ]
    response = http.get(f"{service.url}/views/{view.name}.json", params=params)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    assert document["kringloop"]["truncated"] is False
    rows: list[Row] = document["results"]["bindings"]
    return rows
