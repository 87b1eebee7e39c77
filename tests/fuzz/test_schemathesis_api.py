"""Schemathesis against the live service's ``/openapi.json``: no 5xx, answers as documented.

A real ``kringloop serve`` (managed Oxigraph, the bundled data) is started once for the
module; schemathesis reads its OpenAPI document and, for every operation (every curated
view in each of its formats), sends generated requests: valid and invalid parameter
values, paging, ``bom``. Each answer must not be a server error (``not_a_server_error``)
and must conform to the document: a documented status code, the documented media type,
and the documented schema (SPARQL JSON results with the paging block; problem details
for errors).

The operations are listed from the local ``queries/`` (one test each); the test finds its
operation in the live document, so a path missing there fails too. (Schemathesis's
``from_fixture(...).parametrize()`` does not run under pytest 9: it sets
``request.node._nodeid``.)

Budget: the hypothesis settings of ``tests/fuzz/fuzzkit.py`` (CI: a few examples per
operation; ``KRINGLOOP_FUZZ=long``: rounds until the budget, split over the operations).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kringloop.viewapi import openapi_document
from kringloop.views import load_views
from tests.fuzz import fuzzkit
from tests.service.servicekit import Service, http, start_managed

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PATHS = sorted(openapi_document(load_views(), "local")["paths"])


@pytest.fixture(scope="module")
def api_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("fuzz-api"))
    yield service
    service.stop()


@pytest.fixture(scope="module")
def api_schema(api_service: Service) -> schemathesis.schemas.BaseSchema:
    loaded = schemathesis.openapi.from_url(f"{api_service.url}/openapi.json", timeout=30)
    loaded.config.update(base_url=api_service.url)
    return loaded


def test_the_live_document_lists_every_view(api_schema: schemathesis.schemas.BaseSchema) -> None:
    live = sorted(result.ok().path for result in api_schema.get_all_operations())
    assert live == PATHS


@pytest.mark.parametrize("path", PATHS)
def test_operation_answers_without_server_error(
    api_schema: schemathesis.schemas.BaseSchema, path: str
) -> None:
    operation = api_schema[path]["GET"]

    @fuzzkit.fuzz_settings(6, 25)
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
    def check(case: schemathesis.Case) -> None:
        response = case.call(timeout=60)
        fuzzkit.count("schemathesis: /openapi.json", str(response.status_code))
        case.validate_response(response, checks=CHECKS)

    fuzzkit.run_rounds(check, share=len(PATHS))


#: What the OpenAPI document does not describe: the HTML page and the chart take paging too.
PAGED = ("/views/rollen-per-thema", "/views/rollen-per-thema.json", "/views/activiteit.csv")
#: Digits of other scripts, superscripts and circled numbers: str.isdigit() says yes to some.
_NUMBERISH = st.text(
    st.one_of(st.characters(categories=("Nd", "No", "Nl")), st.sampled_from("0123456789+- ")),
    max_size=4,
)


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "\u0661", "\uff11", "1\u00b9", "0", "-1"])
def test_non_ascii_digits_in_paging_are_a_400(api_service: Service, value: str) -> None:
    """Found by fuzzing: page=\u00b2 passed str.isdigit() and made int() fail (a 500)."""
    for path in PAGED:
        for name in ("page", "size"):
            response = http.get(f"{api_service.url}{path}", params={name: value})
            assert response.status_code == 400, (path, name, value, response.text[:300])


def test_paging_text_is_never_a_server_error(api_service: Service) -> None:
    @fuzzkit.fuzz_settings(15, 25)
    @given(path=st.sampled_from(PAGED), page=_NUMBERISH, size=_NUMBERISH)
    def check(path: str, page: str, size: str) -> None:
        response = http.get(f"{api_service.url}{path}", params={"page": page, "size": size})
        fuzzkit.count("live paging", str(response.status_code))
        assert response.status_code in (200, 400), (path, page, size, response.text[:300])

    fuzzkit.run_rounds(check, share=len(PATHS))


def test_jsonld_answers_are_documented_as_json_documents() -> None:
    """Schemathesis found it: the document said a .jsonld answer is a JSON string."""
    document = openapi_document(load_views(), "local")
    graph_paths = [path for path in PATHS if path.endswith(".jsonld")]
    assert graph_paths
    for path in graph_paths:
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/ld+json"]["schema"] == {"type": ["array", "object"]}
        ttl = document["paths"][path.replace(".jsonld", ".ttl")]["get"]["responses"]["200"]
        assert ttl["content"]["text/turtle"]["schema"] == {"type": "string"}
