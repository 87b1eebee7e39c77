"""Namespaces and the project's own terms, one place for every IRI prefix."""

from __future__ import annotations

from rdflib import Namespace

BASE = "https://w3id.org/kringloop/"

KL = Namespace(f"{BASE}def#")
ID = Namespace(f"{BASE}id/")
GRAPH = Namespace(f"{BASE}id/graaf/")

ORG = Namespace("http://www.w3.org/ns/org#")
CEON_CVN = Namespace("http://w3id.org/CEON/ontology/cvn/")
TOOI = Namespace("https://identifier.overheid.nl/tooi/id/")
SDG = Namespace("http://metadata.un.org/sdg/")

PROVINCE_UTRECHT = TOOI["provincie/pv26"]

#: Prefixes bound when serialising or printing results.
PREFIXES: dict[str, str] = {
    "kl": str(KL),
    "id": str(ID),
    "graaf": str(GRAPH),
    "org": str(ORG),
    "ceon": str(CEON_CVN),
    "tooi": str(TOOI),
    "sdg": str(SDG),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prologue() -> str:
    """PREFIX declarations for every namespace in :data:`PREFIXES`."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
