"""Hostile queries at ``/sparql``: malformed, oversized, deeply nested or chained, updates,
and pathological ones that must end at the deadline or the result cap.

Each case asserts the precise safe answer, that a normal query still gives the same answer
afterwards (the service is not left slow, dead or changed), and, around each group, that
no graph changed and nothing connected out (``Unchanged``). The cases that must run into
the deadline use their own service with a 2 s deadline and a small result cap; the rest
share the ``secured`` service.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.graphstore.gskit import Partners
from tests.security.seckit import PROBLEM, Unchanged, assert_problem
from tests.service.servicekit import Service, start_managed

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
#: The defaults (settings.py): query size, the request line gunicorn accepts, the body limit.
MAX_QUERY_BYTES = 32 * 1024
MAX_BODY_BYTES = MAX_QUERY_BYTES * 4 + 64 * 1024
#: A normal question with a known answer, asked again after every hostile request.
REFERENCE = (
    "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
    "SELECT ?thema (COUNT(?activiteit) AS ?n) WHERE { ?activiteit kl:thema ?thema }\n"
    "GROUP BY ?thema ORDER BY ?thema"
)
#: The short deadline and small cap of the service for the pathological queries.
DEADLINE = 2.0
CAP = 500


def send(service: Service, method: str, **arguments: Any) -> requests.Response:
    return requests.request(method, service.sparql, timeout=60, **arguments)


def ask_reference(service: Service) -> Any:
    response = send(service, "GET", params={"query": REFERENCE}, headers={"Accept": JSON})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def engine_restarts(service: Service) -> int:
    restarts: int = service.health()["engine"]["restarts"]
    return restarts


@pytest.fixture(scope="module")
def reference(secured: Service) -> Any:
    answer = ask_reference(secured)
    assert len(answer) >= 10  # the agenda's themes, each with its activities
    return answer


class Checked:
    """Sends hostile requests; after each, the reference query must answer as before."""

    def __init__(self, service: Service, reference: Any) -> None:
        self.service = service
        self.reference = reference

    def __call__(self, method: str, **arguments: Any) -> requests.Response:
        response = send(self.service, method, **arguments)
        assert ask_reference(self.service) == self.reference, "the service answers otherwise"
        return response


@pytest.fixture
def checked(secured: Service, reference: Any) -> Checked:
    return Checked(secured, reference)


def chunked(data: bytes, size: int = 4096) -> Iterator[bytes]:
    """A body ``requests`` sends with Transfer-Encoding: chunked (no Content-Length)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


# -- malformed ---------------------------------------------------------------------------------

MALFORMED: list[tuple[str, dict[str, Any], int, tuple[str, ...]]] = [
    ("garbage", {"params": {"query": "hello world"}}, 400, ("malformed", "1:")),
    ("truncated", {"params": {"query": "SELECT * WHERE { ?s ?p"}}, 400, ("malformed",)),
    ("wrong keyword", {"params": {"query": "SELEKT * WHERE { ?s ?p ?o }"}}, 400, ("malformed",)),
    ("keyword only", {"params": {"query": "WHERE"}}, 400, ("malformed",)),
    (
        "binary junk",
        {"data": {"query": bytes(range(1, 256)).decode("latin-1")}},
        400,
        ("unterminated string",),
    ),
    ("NUL byte", {"params": {"query": "SELECT * WHERE { ?s ?p ?o }\x00"}}, 400, ("malformed",)),
    ("NUL in a keyword", {"data": {"query": "SEL\x00ECT * { ?s ?p ?o }"}}, 400, ("malformed",)),
    (
        "invalid UTF-8, direct POST",
        {"data": b'SELECT * { ?s ?p "\xff\xfe" }', "headers": {"Content-Type": DIRECT}},
        400,
        ("not valid utf-8",),
    ),
    ("empty", {"params": {"query": ""}}, 400, ("empty",)),
    ("blank", {"data": {"query": " \n\t "}}, 400, ("empty",)),
    (
        "JSON body",
        {"data": b'{"query": "ASK {}"}', "headers": {"Content-Type": "application/json"}},
        415,
        ("cannot take a query", "application/json"),
    ),
    (
        "text/plain body",
        {"data": b"ASK {}", "headers": {"Content-Type": "text/plain"}},
        415,
        ("cannot take a query", "text/plain"),
    ),
    (
        "no Content-Type",
        {"data": b"ASK {}", "headers": {"Content-Type": ""}},
        415,
        ("no content-type",),
    ),
    ("multipart form", {"files": {"query": (None, "ASK {}")}}, 415, ("multipart/form-data",)),
    (
        "direct POST with a query in the URL",
        {"params": {"query": "ASK {}"}, "data": b"ASK {}", "headers": {"Content-Type": DIRECT}},
        400,
        ("not in the url",),
    ),
    (
        "form POST with a query in the URL",
        {"params": {"query": "ASK {}"}, "data": {"query": "ASK {}"}},
        400,
        ("more than one query",),
    ),
    (
        "two query parameters",
        {"params": [("query", "ASK {}"), ("query", "SELECT * {}")], "method": "GET"},
        400,
        ("more than one query",),
    ),
    (
        "two query fields",
        {"data": [("query", "ASK {}"), ("query", "ASK {}")]},
        400,
        ("more than one query",),
    ),
]


def method_of(arguments: dict[str, Any]) -> str:
    if "method" in arguments:
        return str(arguments.pop("method"))
    return "POST" if {"data", "files"} & set(arguments) else "GET"


def test_malformed_queries_are_precise_errors(unchanged: Unchanged, checked: Checked) -> None:
    with unchanged:
        for name, arguments, status, words in MALFORMED:
            arguments = dict(arguments)
            response = checked(method_of(arguments), **arguments)
            try:
                problem = assert_problem(response, status, *words)
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from None
            assert problem["instance"] == "/sparql", name


def test_a_nul_inside_a_string_is_data(checked: Checked, unchanged: Unchanged) -> None:
    """SPARQL allows any character but quote, backslash and line breaks in a short string."""
    with unchanged:
        response = checked(
            "GET", params={"query": 'ASK { ?s ?p "a\x00b" }'}, headers={"Accept": JSON}
        )
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is False


def test_invalid_utf8_in_the_query_parameter_is_a_400(secured: Service) -> None:
    encoded = "SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%FF%FE%22%20%7D"
    for response in (
        requests.get(f"{secured.sparql}?query={encoded}", timeout=60),
        requests.post(
            secured.sparql,
            data=f"query={encoded}".encode(),
            headers={"Content-Type": FORM},
            timeout=60,
        ),
    ):
        assert_problem(response, 400, "utf-8")


def test_raw_bytes_the_http_parser_refuses(unchanged: Unchanged, secured: Service) -> None:
    """Gunicorn answers these itself (400, its own page) before the application sees them."""
    requests_sent = [
        b"GET /sparql?query=ASK%20{\xff\xfe} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /sparql?query=ASK\x00%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n",
        b"SPARQL /sparql HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]
    with unchanged:
        for raw in requests_sent:
            with socket.create_connection(("127.0.0.1", secured.port), timeout=30) as connection:
                connection.sendall(raw)
                answer = connection.recv(65536)
            assert answer.startswith((b"HTTP/1.1 400 ", b"HTTP/1.1 505 ")), (raw, answer[:200])


# -- oversized ---------------------------------------------------------------------------------


def padded(size: int) -> str:
    """``ASK {}`` padded with a comment of two-byte characters to exactly ``size`` bytes."""
    head = "ASK { ?s ?p ?o } #"
    rest = size - len(head)
    return head + "é" * (rest // 2) + "x" * (rest % 2)


def test_queries_over_the_size_limit(unchanged: Unchanged, checked: Checked) -> None:
    at_limit, over = padded(MAX_QUERY_BYTES), padded(MAX_QUERY_BYTES + 1)
    assert len(at_limit.encode()) == MAX_QUERY_BYTES
    with unchanged:
        accepted = checked("POST", data={"query": at_limit}, headers={"Accept": JSON})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["boolean"] is True
        for arguments in (
            {"data": {"query": over}},
            {"data": over.encode(), "headers": {"Content-Type": DIRECT}},
            {"data": chunked(f"query={over}".encode()), "headers": {"Content-Type": FORM}},
            {"data": chunked(over.encode()), "headers": {"Content-Type": DIRECT}},
            {
                "data": chunked(b"ASK {} #" + b"x" * 1_000_000, 65536),
                "headers": {"Content-Type": DIRECT},
            },
        ):
            response = checked("POST", **arguments)
            problem = assert_problem(
                response, 413, "query too large", f"limit is {MAX_QUERY_BYTES}"
            )
            assert problem["limit"] == MAX_QUERY_BYTES
        # a declared body over the request limit is refused before it is read
        response = checked(
            "POST", data=b"ASK {} #" + b"x" * MAX_BODY_BYTES, headers={"Content-Type": DIRECT}
        )
        assert_problem(response, 413)
        # a GET query longer than gunicorn's request line (8190): its own 414, no application
        response = checked("GET", params={"query": padded(9000)})
        assert response.status_code == 414
        response = checked("GET", params={"query": padded(MAX_QUERY_BYTES + 1)})
        assert response.status_code == 414


def test_a_short_content_length_leaves_the_rest_unread(
    unchanged: Unchanged, secured: Service
) -> None:
    """The body is read as declared: ``query=`` (empty); the rest is not another request."""
    body = b"query=ASK%20%7B%7D"
    raw = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode() + b"\r\n"
        b"Content-Length: 6\r\nConnection: close\r\n\r\n" + body
    )
    with unchanged:
        with socket.create_connection(("127.0.0.1", secured.port), timeout=30) as connection:
            connection.sendall(raw)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert PROBLEM.encode() in answer and b"the query is empty" in answer
        assert answer.count(b"HTTP/1.1 ") == 1


# -- deep nesting and long chains -----------------------------------------------------------------


def chain(separator: str, item: str, count: int) -> str:
    return separator.join([item] * count)


NESTED = {
    "3000 nested groups": "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    "600 nested sub-selects": "SELECT * WHERE { "
    + "{ SELECT * WHERE " * 600
    + "{ ?s ?p ?o }"
    + " }" * 601,
    "3000 nested parentheses": "ASK { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "300 nested CONCAT (the engine dies at ~220)": "SELECT ("
    + "CONCAT(" * 300
    + '"a"'
    + ")" * 300
    + " AS ?x) {}",
    "2000 nested OPTIONAL": "ASK { " + "OPTIONAL { " * 2000 + "?s ?p ?o" + " }" * 2000 + " }",
    "nested in brackets": "ASK { ?s ?p " + "[ <urn:p> " * 1000 + "1" + " ]" * 1000 + " }",
}
#: Flat chains that overflow the engine's stack (measured: 650 MINUS, 1600 UNION, 2000 of
#: the others), each under the size limit and one bracket level deep.
CHAINED = {
    "4500 UNION": "SELECT * WHERE { " + chain("UNION", "{}", 4500) + " }",
    "3000 MINUS": "ASK { ?s ?p ?o " + chain(" ", "MINUS{}", 3000) + " }",
    "2500 OPTIONAL": "ASK { ?s ?p ?o " + chain(" ", "OPTIONAL{}", 2500) + " }",
    "2500 FILTER": "ASK { " + chain(" ", "FILTER(true)", 2500) + " }",
    "3000 ||": "ASK { FILTER(" + chain(" || ", "1=2", 3000) + ") }",
    "3000 &&": "ASK { FILTER(" + chain(" && ", "true", 3000) + ") }",
    "15000 +": "SELECT ((" + chain("+", "1", 15000) + ") AS ?x) {}",
    "5000 path steps": "ASK { ?s " + chain("/", "<a:p>", 5000) + " ?o }",
    "5000 path alternatives": "ASK { ?s " + chain("|", "<a:p>", 5000) + " ?o }",
    "5000 objects": "ASK { ?s <a:p> " + chain(",", "?o", 5000) + " }",
    "3000 predicates": "ASK { ?s " + chain(";", "<a:p> ?o", 3000) + " }",
    "1500 NOT EXISTS": "ASK { " + chain(" ", "FILTER NOT EXISTS {}", 1500) + " }",
}


@pytest.mark.parametrize("kind", ["nested", "chained"])
def test_deep_queries_are_refused_before_the_engine(
    unchanged: Unchanged, checked: Checked, secured: Service, kind: str
) -> None:
    cases = NESTED if kind == "nested" else CHAINED
    restarts = engine_restarts(secured)
    with unchanged:
        for name, query in cases.items():
            assert len(query.encode()) <= MAX_QUERY_BYTES, name
            response = checked("POST", data={"query": query})
            try:
                problem = assert_problem(response, 403, "nests deeper than")
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from None
            assert problem["reason"] == "depth", name
        # a GET that fits the request line is refused the same way
        response = checked("GET", params={"query": "ASK " + "{" * 1000 + "}" * 1000})
        assert assert_problem(response, 403, "nests deeper")["reason"] == "depth"
    assert engine_restarts(secured) == restarts, "a refused query reached the engine"


def test_ten_thousand_union_branches(unchanged: Unchanged, checked: Checked) -> None:
    branches = " UNION ".join(f"{{ ?s <urn:p{index}> ?o }}" for index in range(10_000))
    query = f"SELECT * WHERE {{ {branches} }}"
    with unchanged:
        assert_problem(checked("POST", data={"query": query}), 413)
        assert_problem(checked("POST", data=query.encode(), headers={"Content-Type": DIRECT}), 413)
        assert_problem(
            checked("POST", data=chunked(query.encode()), headers={"Content-Type": DIRECT}),
            413,
            "query too large",
        )


def test_ordinary_chains_still_run(unchanged: Unchanged, checked: Checked) -> None:
    """The chain bound leaves room: 60 UNION branches and 60 alternatives in a FILTER."""
    unions = "SELECT (COUNT(*) AS ?n) WHERE { " + chain(" UNION ", "{ BIND(1 AS ?x) }", 60) + " }"
    alternatives = (
        "ASK { BIND(7 AS ?x) FILTER(" + " || ".join(f"?x = {i}" for i in range(60)) + ") }"
    )
    with unchanged:
        counted = checked("POST", data={"query": unions}, headers={"Accept": JSON})
        assert counted.status_code == 200, counted.text
        assert counted.json()["results"]["bindings"][0]["n"]["value"] == "60"
        asked = checked("POST", data={"query": alternatives}, headers={"Accept": JSON})
        assert asked.status_code == 200, asked.text
        assert asked.json()["boolean"] is True


# -- updates through /sparql ----------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <https://example.org/data.ttl>",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    "DROP ALL",
    "DROP GRAPH <https://w3id.org/kringloop/id/graaf/agenda>",
    "CREATE GRAPH <urn:x:g>",
    "ADD DEFAULT TO <urn:x:g>",
    "MOVE DEFAULT TO <urn:x:g>",
    "COPY DEFAULT TO <urn:x:g>",
    "WITH <urn:x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "ASK {} ; DROP ALL",
    "PREFIX d: <urn:x:> INSERT DATA { d:a d:b d:c }",
]


def ways_to_send(update: str) -> list[dict[str, Any]]:
    return [
        {"method": "GET", "params": {"query": update}},
        {"method": "POST", "data": {"query": update}},
        {"method": "POST", "data": update.encode(), "headers": {"Content-Type": DIRECT}},
        {"method": "GET", "params": {"update": update}},
        {"method": "POST", "data": {"update": update}},
        {"method": "POST", "data": update.encode(), "headers": {"Content-Type": UPDATE}},
        {"method": "POST", "params": {"update": update}, "data": {"query": "ASK {}"}},
    ]


def test_updates_are_refused_every_way(unchanged: Unchanged, checked: Checked) -> None:
    """Each update as ``query=`` (GET, form), direct POST, ``update=`` (GET, form, beside a
    query) and as ``application/sparql-update``: 403, nothing written."""
    with unchanged:
        for update in UPDATES:
            for way in ways_to_send(update):
                arguments = dict(way)
                response = checked(arguments.pop("method"), **arguments)
                problem = assert_problem(response, 403, "read-only")
                assert problem["title"] == "Read-only endpoint", way


# -- pathological: the deadline and the result cap -------------------------------------------------


@pytest.fixture(scope="module")
def hurried(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners]]:
    """A service of its own with a 2 s deadline and a result cap of 500."""
    directory = tmp_path_factory.mktemp("hurried")
    service = start_managed(directory, "--query-deadline", str(DEADLINE), "--result-cap", str(CAP))
    yield service, Partners(directory / "var", {})
    service.stop()


DEADLINE_CASES = {
    "cross product, counted": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "cross product, ordered": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i ?a",
    "unbounded path, counted": "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:x:p>|!<urn:x:q>)* ?o }",
    "unbounded inverse path": "SELECT (COUNT(*) AS ?n) WHERE { ?s (^!<urn:x:x>|!<urn:x:x>)* ?o }",
    # 64 characters doubled 24 times: a 1 GB string (measured: over 10 s, 2 GB in the engine)
    "huge string": 'SELECT (STRLEN(?s24) AS ?n) WHERE { BIND("'
    + "a" * 64
    + '" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(24))
    + " }",
}


def test_pathological_queries_end_at_the_deadline(hurried: tuple[Service, Partners]) -> None:
    service, partners = hurried
    checked = Checked(service, ask_reference(service))
    with Unchanged(service, partners):
        for name, query in DEADLINE_CASES.items():
            response = checked("POST", data={"query": query}, headers={"Accept": JSON})
            try:
                problem = assert_problem(response, 503, "deadline")
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from None
            assert problem["title"] == "Query deadline exceeded", name


CAPPED_CASES = {
    "cross product": ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", JSON),
    "CONSTRUCT explosion": ("CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }", NTRIPLES),
    "CONSTRUCT of new nodes": (
        "CONSTRUCT { [] <urn:x:p> ?c, ?f } WHERE { ?a ?b ?c . ?d ?e ?f }",
        NTRIPLES,
    ),
    "DESCRIBE everything": ("DESCRIBE ?s WHERE { ?s ?p ?o }", NTRIPLES),
    "DESCRIBE *": ("DESCRIBE * WHERE { ?s ?p ?o . ?x ?y ?z }", NTRIPLES),
}


def test_pathological_answers_are_cut_at_the_cap(hurried: tuple[Service, Partners]) -> None:
    service, partners = hurried
    checked = Checked(service, ask_reference(service))
    with Unchanged(service, partners):
        for name, (query, accept) in CAPPED_CASES.items():
            response = checked("POST", data={"query": query}, headers={"Accept": accept})
            assert response.status_code == 200, (name, response.text[:300])
            assert response.headers["Kringloop-Truncated"] == "true", name
            if accept == JSON:
                body = response.json()
                assert len(body["results"]["bindings"]) == CAP, name
                assert body["kringloop"] == {"truncated": True, "resultCap": CAP}, name
            else:
                lines = response.text.splitlines()
                assert lines[0] == f"# Kringloop: truncated to the first {CAP} results (result cap)"
                assert len(lines) == CAP + 1, name


def test_catastrophic_regular_expressions_are_linear(hurried: tuple[Service, Partners]) -> None:
    """Oxigraph's regex engine does not backtrack: ``(a+)+$`` on 64k characters is quick
    and right (no deadline needed), over every label too."""
    service, partners = hurried
    checked = Checked(service, ask_reference(service))
    doubled = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(10))
    cases = {
        '"!"': "false",  # ends in "!": (a+)+$ cannot match, a backtracking engine would try 2^n
        '"a"': "true",
    }
    with Unchanged(service, partners):
        for tail, expected in cases.items():
            query = (
                f'SELECT (REGEX(CONCAT(?s10, {tail}), "^(a+)+$") AS ?m) '
                f'(REGEX(CONCAT(?s10, {tail}), "(a|aa)+$") AS ?n) '
                f'WHERE {{ BIND("{"a" * 64}" AS ?s0) {doubled} }}'
            )
            response = checked("POST", data={"query": query}, headers={"Accept": JSON})
            assert response.status_code == 200, response.text
            row = response.json()["results"]["bindings"][0]
            assert row["m"]["value"] == expected, tail
            assert row["n"]["value"] == expected, tail
        labels = (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?l FILTER(ISLITERAL(?l)) "
            f'FILTER REGEX(CONCAT(STR(?l), "{"a" * 40}!"), "^(a|aa)+$") }}'
        )
        response = checked("POST", data={"query": labels}, headers={"Accept": JSON})
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
