"""``SERVICE`` in public queries: only registered partner endpoints, no redirect followed.

Our engine (``oxigraph serve``) runs ``SERVICE`` itself; the public endpoint decides
beforehand whether the target is allowed, from a callable read on every query.
"""

from __future__ import annotations

import json

import pytest
from fedkit import DATA, Counting, Ours, query_url, redirect_server
from rdflib import RDF, Graph, Namespace

from kringloop.endpoint import QueryRequest
from kringloop.errors import KringloopError, QueryRefusedError
from tests.service.servicekit import Service

KL = Namespace("https://w3id.org/kringloop/def#")
ACTIVITIES = (
    "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
    "SELECT ?a WHERE {{ {service} {{ ?a a kl:Activiteit }} }}"
)


def select(ours: Ours, query: str) -> set[str]:
    answer = ours.endpoint.answer(QueryRequest(query=query, format_params=("json",)))
    return {row["a"]["value"] for row in json.loads(answer.body)["results"]["bindings"]}


def partner_activities(name: str) -> set[str]:
    graph = Graph().parse(DATA / name)
    return {str(activity) for activity in graph.subjects(RDF.type, KL.Activiteit)}


@pytest.mark.parametrize("silent", ["", "SILENT "])
def test_registered_endpoint_is_queried(ours: Ours, cirkelregio: Service, silent: str) -> None:
    url = query_url(cirkelregio)
    ours.allowed.add(url)
    found = select(ours, ACTIVITIES.format(service=f"SERVICE {silent}<{url}>"))
    assert found == partner_activities("cirkelregio-utrecht.ttl")


def test_unregistered_endpoint_is_refused_naming_it(
    ours: Ours, cirkelregio: Service, foodvalley: Service
) -> None:
    ours.allowed.add(query_url(cirkelregio))
    other = query_url(foodvalley)
    with pytest.raises(QueryRefusedError) as refused:
        select(ours, ACTIVITIES.format(service=f"SERVICE SILENT <{other}>"))
    assert refused.value.status == 403
    assert f"<{other}>" in refused.value.detail
    assert "only registered partner endpoints are allowed" in refused.value.detail
    # a registration applies to the next query, without a restart
    ours.allowed.add(other)
    assert select(ours, ACTIVITIES.format(service=f"SERVICE <{other}>")) == partner_activities(
        "foodvalley.ttl"
    )


def test_service_variable_stays_refused(ours: Ours, cirkelregio: Service) -> None:
    url = query_url(cirkelregio)
    ours.allowed.add(url)
    query = (
        "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
        f"SELECT ?a WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?a a kl:Activiteit }} }}"
    )
    with pytest.raises(QueryRefusedError, match=r"SERVICE \?e .*only registered partner"):
        select(ours, query)


def test_a_redirect_is_not_followed(ours: Ours) -> None:
    """A registered endpoint that redirects: the engine refuses, the target sees nothing."""
    target = Counting()
    redirecting = redirect_server(target.url)
    ours.allowed.add(redirecting.url)
    try:
        with pytest.raises(KringloopError) as failed:
            select(ours, ACTIVITIES.format(service=f"SERVICE <{redirecting.url}>"))
    finally:
        redirecting.close()
        target.close()
    assert failed.value.status >= 500
    assert "redirect" in failed.value.detail.lower()
    assert target.connections == 0
