"""``/query``: the query page in the browser.

A text area with the query, the curated queries of ``queries/*.rq`` as examples, a
results table and download links. The page itself is rendered here (language and
headers as every page: :mod:`kringloop.web.pages`); ``static/query.js`` sends the query
to ``/sparql`` and renders the answer.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState

from kringloop.errors import BadRequestError, NotFoundError, QueryTooLargeError
from kringloop.formats import Kind, by_name
from kringloop.views import View, load_views
from kringloop.vocab import PREFIXES
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

blueprint = Blueprint("query_page", __name__)

#: The same key as the views page: the views are read once and serve both.
EXAMPLES_KEY = "kringloop.views"
#: Longest download link (GET URL) offered; longer queries are downloaded by POST.
#: gunicorn refuses request lines over 4094 bytes.
MAX_LINK_LENGTH = 4000
#: The download links per kind of answer: (format name, label).
DOWNLOADS = {
    Kind.RESULTS: (("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON"), ("xml", "XML")),
    Kind.RDF: (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD")),
}

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "SPARQL-query",
        "intro": (
            "Stel een vraag aan de kennisgraaf in SPARQL, of begin met een van de voorbeelden. "
            "Het antwoord kun je ook downloaden."
        ),
        "query_label": "Query (SPARQL)",
        "run": "Uitvoeren",
        "shortcut": "Ctrl+Enter voert de query uit.",
        "noscript": (
            "Zonder JavaScript stuurt Uitvoeren de query rechtstreeks naar /sparql en toont "
            "de browser het ruwe antwoord."
        ),
        "examples": "Voorbeelden",
        "examples_hint": "Kies een voorbeeld om het in het tekstvak te laden.",
        "params": "Parameter zonder waarde, vul er een in (bijvoorbeeld met VALUES):",
        "no_examples": "Er zijn geen voorbeeldqueries.",
        "results": "Resultaat",
        "results_empty": "Voer een query uit om hier het antwoord te zien.",
        "running": "Bezig met uitvoeren…",
        "rows_one": "1 rij",
        "rows_many": "{n} rijen",
        "answer": "Antwoord:",
        "graph": "Het antwoord is een graaf (Turtle).",
        "truncated": (
            "Het antwoord is afgekapt: alleen de eerste {cap} resultaten staan hier "
            "(de resultaatlimiet van de dienst). Maak de query specifieker of gebruik LIMIT "
            "en OFFSET."
        ),
        "error": "De query is mislukt",
        "position": "Regel {line}, kolom {column}",
        "goto_error": "Ga naar de fout",
        "unreachable": "De dienst is niet bereikbaar: {reason}",
        "empty_query": "De query is leeg.",
        "example_loaded": "Voorbeeld geladen: {title}",
        "downloads": "Downloaden",
        "downloads_hint": "Het antwoord op deze query als bestand:",
        "download_failed": "Downloaden is mislukt: {reason}",
        "unbound": "geen waarde",
    },
    "en": {
        "title": "SPARQL query",
        "intro": (
            "Ask the knowledge graph in SPARQL, or start from one of the examples. "
            "You can also download the answer."
        ),
        "query_label": "Query (SPARQL)",
        "run": "Run",
        "shortcut": "Ctrl+Enter runs the query.",
        "noscript": (
            "Without JavaScript, Run sends the query straight to /sparql and the browser "
            "shows the raw answer."
        ),
        "examples": "Examples",
        "examples_hint": "Choose an example to load it into the text area.",
        "params": "Parameter without a value; give it one (for instance with VALUES):",
        "no_examples": "There are no example queries.",
        "results": "Result",
        "results_empty": "Run a query to see its answer here.",
        "running": "Running…",
        "rows_one": "1 row",
        "rows_many": "{n} rows",
        "answer": "Answer:",
        "graph": "The answer is a graph (Turtle).",
        "truncated": (
            "The answer was truncated: only the first {cap} results are shown (the service's "
            "result cap). Make the query more specific or use LIMIT and OFFSET."
        ),
        "error": "The query failed",
        "position": "Line {line}, column {column}",
        "goto_error": "Go to the error",
        "unreachable": "The service could not be reached: {reason}",
        "empty_query": "The query is empty.",
        "example_loaded": "View loaded: {title}",
        "downloads": "Download",
        "downloads_hint": "The answer to this query as a file:",
        "download_failed": "The download failed: {reason}",
        "unbound": "no value",
    },
}

#: Texts the script needs (the rest are rendered into the page).
SCRIPT_TEXTS = (
    "running",
    "rows_one",
    "rows_many",
    "answer",
    "graph",
    "truncated",
    "error",
    "position",
    "goto_error",
    "unreachable",
    "empty_query",
    "example_loaded",
    "downloads",
    "downloads_hint",
    "download_failed",
    "unbound",
)


def default_query(language: str) -> str:
    """The query the page starts with: the themes with their labels in the page's language."""
    return (
        f"PREFIX kl: <{PREFIXES['kl']}>\n"
        f"PREFIX skos: <{PREFIXES['skos']}>\n"
        "\n"
        "SELECT ?thema ?label\n"
        "WHERE {\n"
        "  ?thema a kl:Thema ;\n"
        "         skos:prefLabel ?label .\n"
        f'  FILTER(LANGMATCHES(LANG(?label), "{language}"))\n'
        "}\n"
        "ORDER BY ?label\n"
    )


@blueprint.record_once
def _load_examples(state: BlueprintSetupState) -> None:
    """Read ``queries/*.rq`` once, when the app is made: a broken header stops the start."""
    if EXAMPLES_KEY not in state.app.extensions:
        state.app.extensions[EXAMPLES_KEY] = load_views()


def examples() -> tuple[View, ...]:
    return cast(tuple[View, ...], current_app.extensions[EXAMPLES_KEY])


@blueprint.get("/query")
def query_page() -> Response:
    language = choose_language()
    texts = TEXTS[language]
    query = _initial_query(language)
    settings = services().settings
    shown = [_example_context(example, language) for example in examples()]
    script_data: dict[str, Any] = {
        "lang": language,
        "texts": {key: texts[key] for key in SCRIPT_TEXTS},
        "examples": {example.name: example.text for example in examples()},
        "downloads": {
            "results": _downloads(Kind.RESULTS),
            "rdf": _downloads(Kind.RDF),
        },
        "prefixes": PREFIXES,
        "resultCap": settings.result_cap,
        "maxLinkLength": MAX_LINK_LENGTH,
        "sparql": url_for("sparql.sparql"),
        "page": url_for(".query_page"),
    }
    html = render_template(
        "query.html",
        **page_context(language, TEXTS),
        query=query,
        examples=shown,
        script_data=script_data,
    )
    return html_response(html)


def _initial_query(language: str) -> str:
    given = request.args.getlist("query")
    wanted = request.args.getlist("example")
    if len(given) + len(wanted) > 1:
        raise BadRequestError("give one query= or one example=, not several")
    if given:
        query = given[0]
        limit = services().settings.max_query_bytes
        if len(query.encode("utf-8")) > limit:
            raise QueryTooLargeError(f"the query is longer than {limit} bytes", limit=limit)
        return query
    if wanted:
        for example in examples():
            if example.name == wanted[0]:
                return example.text
        names = ", ".join(example.name for example in examples())
        raise NotFoundError(f"no curated query named {wanted[0][:80]!r}; there are: {names}")
    return default_query(language)


def _example_context(example: View, language: str) -> dict[str, Any]:
    title, title_language = example.title_in(language)
    description, description_language = example.description_in(language)
    return {
        "name": example.name,
        "title": title,
        "title_lang": title_language,
        "description": description,
        "description_lang": description_language,
        "params": [param.name for param in example.params],
        "url": url_for(".query_page", lang=language, example=example.name),
    }


def _downloads(kind: Kind) -> list[dict[str, str]]:
    links = []
    for name, label in DOWNLOADS[kind]:
        found = by_name(kind, name)
        if found is None:  # the table above names a format formats.py does not have
            raise LookupError(f"no {kind.value} format called {name}")
        links.append({"format": found.name, "label": label, "mediaType": found.media_type})
    return links
