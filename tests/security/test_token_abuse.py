"""One partner's token against another's graph, revoked tokens, tokens in the wrong place."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from kringloop.partners.registry import ADMIN, Registry
from tests.graphstore.gskit import (
    CIRKELREGIO,
    FOODVALLEY,
    Partners,
    example,
    put,
    register_partners,
)
from tests.security.seckit import Unchanged, assert_problem
from tests.service.servicekit import Service, start_managed

FOODVALLEY_NS = "https://w3id.org/kringloop/id/partner/living-lab-foodvalley/"
PROVINCE_ACTIVITY = "https://w3id.org/kringloop/id/activiteit/"
AGENDA = "https://w3id.org/kringloop/id/graaf/agenda-2021-2022"


def write(
    service: Service, method: str, path: str, graph: str, headers: dict[str, str], body: bytes = b""
) -> requests.Response:
    return requests.request(
        method,
        f"{service.url}{path}",
        params={"graph": graph},
        data=body,
        headers={"Content-Type": "text/turtle", **headers},
        timeout=60,
    )


WRITES = [
    ("PUT", "/graph-store"),
    ("POST", "/graph-store"),
    ("DELETE", "/graph-store"),
    ("POST", "/graph-store/versions/1/restore"),
    ("GET", "/graph-store/versions/1"),
]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_partner_token_against_another_partners_graph(
    unchanged: Unchanged, secured: Service, partners: Partners, method: str, path: str
) -> None:
    with unchanged:
        response = write(
            secured,
            method,
            path,
            partners.graph(FOODVALLEY),
            partners.auth(CIRKELREGIO),
            example(CIRKELREGIO) if method != "DELETE" else b"",
        )
        assert_problem(response, 403, partners.graph(FOODVALLEY))


def trig_into(graph: str) -> bytes:
    return (
        f"GRAPH <{graph}> {{ <{FOODVALLEY_NS}activiteit/x> "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "overgenomen"@nl . }}\n'
    ).encode()


def test_partner_token_by_trig_quads(
    unchanged: Unchanged, secured: Service, partners: Partners
) -> None:
    """A's own ?graph=, but a named graph of B inside the TriG body."""
    with unchanged:
        response = put(
            secured,
            partners,
            CIRKELREGIO,
            partners.graph(CIRKELREGIO),
            example(CIRKELREGIO) + b"\n" + trig_into(partners.graph(FOODVALLEY)),
            "application/trig",
        )
        assert_problem(response, 403, partners.graph(FOODVALLEY))


def test_partner_token_by_nquads_into_a_province_graph(
    unchanged: Unchanged, secured: Service, partners: Partners
) -> None:
    quad = f'<{PROVINCE_ACTIVITY}x> <urn:p> "x" <{AGENDA}> .\n'.encode()
    with unchanged:
        response = put(
            secured, partners, CIRKELREGIO, partners.graph(CIRKELREGIO), quad, "application/n-quads"
        )
        assert_problem(response, 403, AGENDA)


@pytest.mark.parametrize(
    "subject",
    [
        f"{FOODVALLEY_NS}activiteit/x",
        f"{PROVINCE_ACTIVITY}x",
        "https://w3id.org/kringloop/def#Activiteit",
    ],
    ids=["other partner", "province", "ontology"],
)
def test_partner_token_by_subjects(
    unchanged: Unchanged, secured: Service, partners: Partners, subject: str
) -> None:
    """A's own graph, but describing a subject in B's (or the province's) namespace."""
    body = example(CIRKELREGIO) + f'\n<{subject}> <urn:p> "x" .\n'.encode()
    with unchanged:
        response = put(secured, partners, CIRKELREGIO, partners.graph(CIRKELREGIO), body)
        assert_problem(response, 403, subject)


def test_admin_token_cannot_write_partner_graphs(
    unchanged: Unchanged, secured: Service, partners: Partners
) -> None:
    with unchanged:
        for method in ("PUT", "POST", "DELETE"):
            response = write(
                secured,
                method,
                "/graph-store",
                partners.graph(CIRKELREGIO),
                partners.auth(ADMIN),
                example(CIRKELREGIO) if method != "DELETE" else b"",
            )
            assert_problem(response, 403, partners.graph(CIRKELREGIO))


QUERY_TOKENS = ["access_token", "token", "bearer", "Authorization"]


@pytest.mark.parametrize("name", QUERY_TOKENS)
def test_token_in_the_query_string_is_not_accepted(
    unchanged: Unchanged, secured: Service, partners: Partners, name: str
) -> None:
    with unchanged:
        response = requests.put(
            f"{secured.url}/graph-store",
            params={"graph": partners.graph(CIRKELREGIO), name: partners.tokens[CIRKELREGIO]},
            data=example(CIRKELREGIO),
            headers={"Content-Type": "text/turtle"},
            timeout=60,
        )
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


BAD_HEADERS = {
    "no scheme": "{token}",
    "Basic": "Basic {token}",
    "token twice": "Bearer {token} {token}",
    "truncated": "Bearer {short}",
    "other partner's token with a suffix": "Bearer {token}x",
    "empty bearer": "Bearer ",
}


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=list(BAD_HEADERS))
def test_malformed_authorization_is_refused(
    unchanged: Unchanged, secured: Service, partners: Partners, header: str
) -> None:
    token = partners.tokens[CIRKELREGIO]
    value = header.format(token=token, short=token[:-1])
    with unchanged:
        response = write(
            secured,
            "PUT",
            "/graph-store",
            partners.graph(CIRKELREGIO),
            {"Authorization": value},
            example(CIRKELREGIO),
        )
        assert_problem(response, 401)


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners, str]]:
    """Its own service whose Cirkelregio token was rotated while it ran: (service, the
    partners with the new token, the revoked token)."""
    directory = tmp_path_factory.mktemp("rotated")
    partners = register_partners(directory / "var")
    service = start_managed(directory)
    try:
        graph = partners.graph(CIRKELREGIO)
        assert put(service, partners, CIRKELREGIO, graph, example(CIRKELREGIO)).status_code == 201
        old = partners.tokens[CIRKELREGIO]
        partners.tokens[CIRKELREGIO] = Registry.open(partners.data_dir).rotate_token(CIRKELREGIO)
        yield service, partners, old
    finally:
        service.stop()


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_revoked_token_is_refused(
    rotated: tuple[Service, Partners, str], method: str, path: str
) -> None:
    service, partners, old = rotated
    with Unchanged(service, partners):
        response = write(
            service,
            method,
            path,
            partners.graph(CIRKELREGIO),
            {"Authorization": f"Bearer {old}"},
            example(CIRKELREGIO) if method != "DELETE" else b"",
        )
        assert_problem(response, 401, "revoked")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_new_token_works(rotated: tuple[Service, Partners, str]) -> None:
    """Control for the revocation: the rotated token is the one that writes."""
    service, partners, _old = rotated
    response = requests.get(
        f"{service.url}/graph-store/versions/1",
        params={"graph": partners.graph(CIRKELREGIO)},
        headers=partners.auth(CIRKELREGIO),
        timeout=60,
    )
    assert response.status_code == 200, response.text
