"""CORS: no other origin may write (no Access-Control-Allow-Origin on write routes)."""

from __future__ import annotations

import pytest
import requests

from tests.graphstore.gskit import CIRKELREGIO, Partners, example
from tests.security.seckit import Unchanged, assert_problem
from tests.service.servicekit import Service

ORIGIN = "https://evil.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
)
WRITE_ROUTES = ["/graph-store", "/validate", "/graph-store/versions/1/restore"]


def no_cors(response: requests.Response) -> None:
    present = {name: response.headers[name] for name in CORS_HEADERS if name in response.headers}
    assert present == {}, present


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize("path", WRITE_ROUTES)
def test_preflight_of_a_write_is_not_allowed(
    unchanged: Unchanged, secured: Service, path: str, method: str
) -> None:
    with unchanged:
        response = requests.options(
            f"{secured.url}{path}",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
            timeout=60,
        )
        assert response.status_code < 500
        no_cors(response)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_refused_writes_carry_no_cors(
    unchanged: Unchanged, secured: Service, partners: Partners, method: str
) -> None:
    graph = partners.graph(CIRKELREGIO)
    with unchanged:
        for headers, status in (({}, 401), (partners.auth(CIRKELREGIO), 415)):
            if method == "DELETE" and status == 415:
                continue  # a DELETE has no body to refuse: it is not sent with a token here
            response = requests.request(
                method,
                f"{secured.url}/graph-store",
                params={"graph": graph},
                data=b"not rdf",
                headers={"Origin": ORIGIN, "Content-Type": "application/x-evil", **headers},
                timeout=60,
            )
            assert_problem(response, status)
            no_cors(response)


def test_validate_with_an_origin_has_no_cors(unchanged: Unchanged, secured: Service) -> None:
    with unchanged:
        response = requests.post(
            f"{secured.url}/validate",
            data=example(CIRKELREGIO),
            headers={"Origin": ORIGIN, "Content-Type": "text/turtle", "Accept": "application/json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        no_cors(response)


def test_a_write_from_another_origin_gets_no_cors(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A successful PUT with an Origin (its own service: it stores a version)."""
    from tests.graphstore.gskit import put, register_partners
    from tests.service.servicekit import start_managed

    directory = tmp_path_factory.mktemp("cors-write")
    partners = register_partners(directory / "var")
    service = start_managed(directory)
    try:
        graph = partners.graph(CIRKELREGIO)
        response = put(service, partners, CIRKELREGIO, graph, example(CIRKELREGIO), Origin=ORIGIN)
        assert response.status_code == 201, response.text
        no_cors(response)
        deleted = requests.delete(
            f"{service.url}/graph-store",
            params={"graph": graph},
            headers={"Origin": ORIGIN, **partners.auth(CIRKELREGIO)},
            timeout=60,
        )
        assert deleted.status_code == 200, deleted.text
        no_cors(deleted)
    finally:
        service.stop()


def test_reads_may_be_shared(secured: Service) -> None:
    """Control: the read side does send CORS (so its absence above is a decision)."""
    response = requests.get(
        secured.sparql, params={"query": "ASK {}"}, headers={"Origin": ORIGIN}, timeout=60
    )
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/views/activiteiten-per-thema.json",
        "/views/activiteiten-per-thema.csv",
        "/openapi.json",
        "/graph-store?default",
        "/doc/thema/economie",
        "/catalogus",
    ],
)
def test_every_read_may_be_shared(secured: Service, path: str) -> None:
    response = requests.get(f"{secured.url}{path}", headers={"Origin": ORIGIN}, timeout=60)
    assert response.status_code == 200, response.text[:200]
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
