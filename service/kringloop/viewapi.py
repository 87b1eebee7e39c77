"""The OpenAPI 3.1 description of the curated views' data API (``/openapi.json``).

One path per view and data format: ``/views/{name}.json`` and ``/views/{name}.csv``
for a table (SELECT), ``/views/{name}.ttl`` and ``/views/{name}.jsonld`` for a graph
(CONSTRUCT). Each lists the view's parameters with their types and choices, the paging
parameters, and the response schemas (SPARQL JSON results with Kringloop's paging
block, CSV text, RDF, and problem details for errors).
"""

from __future__ import annotations

from typing import Any

from kringloop.viewparams import Param
from kringloop.views import View

OPENAPI_VERSION = "3.1.0"
#: The largest page a client may ask for; also the bound in the schema.
MAX_PAGE_SIZE = 1000
_PROBLEM = {"$ref": "#/components/responses/Problem"}


def openapi_document(views: tuple[View, ...], version: str) -> dict[str, Any]:
    """The whole OpenAPI document for ``views``."""
    paths: dict[str, Any] = {}
    for view in views:
        if view.form == "CONSTRUCT":
            for suffix, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
                paths[f"/views/{view.name}.{suffix}"] = {"get": _graph_operation(view, media)}
        else:
            paths[f"/views/{view.name}.json"] = {"get": _json_operation(view)}
            paths[f"/views/{view.name}.csv"] = {"get": _csv_operation(view)}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Kringloop curated views",
            "version": version,
            "summary": "Named, parameterised questions about the circular-economy agenda.",
            "description": (
                "Each curated view of queries/*.rq as a data API. Parameter values are bound "
                "as RDF terms; every view runs under the public endpoint's deadline and "
                "result cap."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in sorted({tag for view in views for tag in view.tags})],
        "paths": paths,
        "components": _components(),
    }


def _json_operation(view: View) -> dict[str, Any]:
    return {
        **_operation(view, "json"),
        "parameters": [*_view_parameters(view), *_paging_parameters()],
        "responses": {
            "200": {
                "description": "The page of results, as SPARQL 1.1 JSON results plus paging.",
                "content": {
                    "application/sparql-results+json": {
                        "schema": {"$ref": "#/components/schemas/ViewResults"}
                    }
                },
            },
            "400": _PROBLEM,
            "404": _PROBLEM,
            "503": _PROBLEM,
        },
    }


def _csv_operation(view: View) -> dict[str, Any]:
    bom = {
        "name": "bom",
        "in": "query",
        "required": False,
        "description": "1: start with a UTF-8 byte order mark (for Excel).",
        "schema": {"type": "string", "enum": ["0", "1"]},
    }
    return {
        **_operation(view, "csv"),
        "parameters": [*_view_parameters(view), *_paging_parameters(), bom],
        "responses": {
            "200": {
                "description": (
                    "The results as CSV, one column per variable; a cell that starts with "
                    "=, +, - or @ is prefixed with ' so spreadsheets never run it."
                ),
                "content": {"text/csv": {"schema": {"type": "string"}}},
                **(_missing_header() if view.federated else {}),
            },
            "400": _PROBLEM,
            "404": _PROBLEM,
            "503": _PROBLEM,
        },
    }


def _missing_header() -> dict[str, Any]:
    """A federated view's CSV names the partners it left out in a header."""
    return {
        "headers": {
            "Kringloop-Missing-Partners": {
                "description": (
                    "The partner endpoints left out of the answer, as ref=reason pairs "
                    "separated by '; ' (reason: down, slow, refused or invalid); empty if none."
                ),
                "schema": {"type": "string"},
            }
        }
    }


def _graph_operation(view: View, media_type: str) -> dict[str, Any]:
    # JSON-LD is a JSON document (an array of node objects, or an object); Turtle is text.
    body = {"type": ["array", "object"]} if media_type.endswith("json") else {"type": "string"}
    return {
        **_operation(view, media_type.rsplit("/", 1)[-1]),
        "parameters": _view_parameters(view),
        "responses": {
            "200": {
                "description": "The graph the view constructs.",
                "content": {media_type: {"schema": body}},
            },
            "400": _PROBLEM,
            "404": _PROBLEM,
            "503": _PROBLEM,
        },
    }


def _operation(view: View, suffix: str) -> dict[str, Any]:
    operation_id = "".join(part.capitalize() for part in view.name.split("-"))
    description = view.description_en or view.description
    return {
        "operationId": f"{operation_id[0].lower()}{operation_id[1:]}{suffix.capitalize()}",
        "summary": view.title_en or view.title,
        "description": f"{description}\n\n(nl) {view.title}: {view.description}",
        "tags": list(view.tags),
    }


def _view_parameters(view: View) -> list[dict[str, Any]]:
    return [_parameter(param) for param in view.params]


def _parameter(param: Param) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.type == "integer":
        schema = {"type": "integer"}
    elif param.type == "boolean":
        schema = {"type": "boolean"}
    elif param.type == "date":
        schema = {"type": "string", "format": "date"}
    elif param.type == "iri":
        schema = {"type": "string", "format": "iri"}
    else:
        schema = {"type": "string"}
    if param.choices:
        schema["enum"] = [choice.value for choice in param.choices]
    if param.default is not None:
        schema["default"] = param.default.value
    description = param.label_en or param.label or param.name
    if param.class_iri:
        description += f" (an IRI of an instance of <{param.class_iri}>)"
    return {
        "name": param.name,
        "in": "query",
        "required": param.required and param.default is None,
        "description": description,
        "schema": schema,
    }


def _paging_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "page",
            "in": "query",
            "required": False,
            "description": "The page (from 1); with size, pages through long results.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "size",
            "in": "query",
            "required": False,
            "description": "Rows per page; without page and size, all rows (up to the cap).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        },
    ]


def _components() -> dict[str, Any]:
    term = {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": ["uri", "literal", "bnode", "triple"]},
            "value": {"type": "string"},
            "xml:lang": {"type": "string"},
            "datatype": {"type": "string"},
        },
    }
    paging = {
        "type": "object",
        "required": ["view", "page", "size", "total", "truncated"],
        "properties": {
            "view": {"type": "string"},
            "page": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "truncated": {
                "type": "boolean",
                "description": "The engine's answer was cut at the service's result cap.",
            },
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
        },
    }
    results = {
        "type": "object",
        "required": ["head", "results", "kringloop"],
        "properties": {
            "head": {
                "type": "object",
                "required": ["vars"],
                "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
            },
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": {"$ref": "#/components/schemas/Term"},
                        },
                    }
                },
            },
            "kringloop": {"$ref": "#/components/schemas/Paging"},
            "missing": {
                "type": "array",
                "description": (
                    "Federated views only: the partner endpoints left out of the answer "
                    "(every row names its source in the column bron)."
                ),
                "items": {"$ref": "#/components/schemas/MissingPartner"},
            },
        },
    }
    missing = {
        "type": "object",
        "required": ["partner", "label", "endpoint", "reason", "detail"],
        "properties": {
            "partner": {"type": "string"},
            "label": {"type": "string"},
            "endpoint": {"type": "string"},
            "reason": {"type": "string", "enum": ["down", "slow", "refused", "invalid"]},
            "detail": {"type": "string"},
        },
    }
    problem = {
        "type": "object",
        "required": ["title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "parameter": {"type": "string"},
            "instance": {"type": "string"},
            "requestId": {"type": "string"},
        },
    }
    return {
        "schemas": {
            "Term": term,
            "Paging": paging,
            "ViewResults": results,
            "MissingPartner": missing,
            "Problem": problem,
        },
        "responses": {
            "Problem": {
                "description": "An error, as RFC 9457 problem details (naming the parameter).",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
    }
