"""The provenance graph: who stored which version of which graph, when, and what it held.

Made afresh from the version store after every write, in standard terms only: PROV-O
for who and when, DCAT for the version number, VoID for the triple count and SPDX for
the content hash (as DCAT 3 describes a distribution's checksum).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph as ox

from kringloop.graphstore.versions import Version, VersionStore
from kringloop.partners.registry import ADMIN, Registry
from kringloop.vocab import GRAPH, ID

PROVENANCE_GRAPH = str(GRAPH["herkomst"])
PROVINCE = "https://identifier.overheid.nl/tooi/id/provincie/pv26"

_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_DCAT_VERSION = ox.NamedNode("http://www.w3.org/ns/dcat#version")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_SPDX = "http://spdx.org/rdf/terms#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: How each action reads in the provenance graph (nl, en).
ACTIONS: dict[str, tuple[str, str]] = {
    "put": ("vervangen (PUT)", "replaced (PUT)"),
    "post": ("aangevuld (POST)", "added to (POST)"),
    "delete": ("verwijderd (DELETE)", "deleted (DELETE)"),
    "restore": ("teruggezet naar een eerdere versie", "restored to an earlier version"),
    "harvest": ("geoogst van het eindpunt van de partner", "harvested from the partner's endpoint"),
    "import": ("geïmporteerd", "imported"),
}


def version_iri(version: Version) -> ox.NamedNode:
    key = hashlib.sha256(version.graph.encode("utf-8")).hexdigest()[:24]
    return ox.NamedNode(f"{ID}graafversie/{key}-{version.number}")


def agent_iri(registry: Registry, agent: str) -> ox.NamedNode:
    """The organisation behind an owner: the partner's, or the province for the administrator."""
    partner = registry.get(agent) if agent != ADMIN else None
    return ox.NamedNode(partner.organisation if partner else PROVINCE)


def provenance_graph(registry: Registry, versions: VersionStore, graphs: Iterable[str]) -> bytes:
    """N-Triples of the provenance of every kept version of ``graphs``.

    The graph describes itself as a ``prov:Bundle`` (a named set of provenance), so it is
    never empty: it exists, and says what it is, before the first write.
    """
    bundle = ox.NamedNode(PROVENANCE_GRAPH)
    triples: list[ox.Triple] = [
        ox.Triple(bundle, _RDF_TYPE, ox.NamedNode(_PROV + "Bundle")),
        ox.Triple(
            bundle,
            _RDFS_LABEL,
            ox.Literal("Herkomst van de opgeslagen grafen (Kringloop)", language="nl"),
        ),
        ox.Triple(
            bundle,
            _RDFS_LABEL,
            ox.Literal("Provenance of the stored graphs (Kringloop)", language="en"),
        ),
    ]
    for graph in graphs:
        kept = sorted(versions.versions(graph), key=lambda version: version.number)
        previous: Version | None = None
        for version in kept:
            triples.extend(_describe(registry, version, previous))
            previous = version
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _describe(registry: Registry, version: Version, previous: Version | None) -> list[ox.Triple]:
    node = version_iri(version)
    activity = ox.BlankNode()
    checksum = ox.BlankNode()
    agent = agent_iri(registry, version.agent)
    at = ox.Literal(version.at.isoformat(), datatype=ox.NamedNode(_XSD + "dateTime"))
    label_nl, label_en = ACTIONS.get(version.action, (version.action, version.action))
    triples = [
        ox.Triple(node, _RDF_TYPE, ox.NamedNode(_PROV + "Entity")),
        ox.Triple(node, ox.NamedNode(_PROV + "specializationOf"), ox.NamedNode(version.graph)),
        ox.Triple(node, _DCAT_VERSION, ox.Literal(str(version.number))),
        ox.Triple(node, ox.NamedNode(_PROV + "generatedAtTime"), at),
        ox.Triple(node, ox.NamedNode(_PROV + "wasAttributedTo"), agent),
        ox.Triple(
            node,
            _VOID_TRIPLES,
            ox.Literal(str(version.triples), datatype=ox.NamedNode(_XSD + "integer")),
        ),
        ox.Triple(node, ox.NamedNode(_SPDX + "checksum"), checksum),
        ox.Triple(
            checksum,
            ox.NamedNode(_SPDX + "algorithm"),
            ox.NamedNode(_SPDX + "checksumAlgorithm_sha256"),
        ),
        ox.Triple(checksum, ox.NamedNode(_SPDX + "checksumValue"), ox.Literal(version.sha256)),
        ox.Triple(node, ox.NamedNode(_PROV + "wasGeneratedBy"), activity),
        ox.Triple(activity, _RDF_TYPE, ox.NamedNode(_PROV + "Activity")),
        ox.Triple(activity, _RDFS_LABEL, ox.Literal(label_nl, language="nl")),
        ox.Triple(activity, _RDFS_LABEL, ox.Literal(label_en, language="en")),
        ox.Triple(activity, ox.NamedNode(_PROV + "wasAssociatedWith"), agent),
        ox.Triple(activity, ox.NamedNode(_PROV + "endedAtTime"), at),
    ]
    if previous is not None:
        triples.append(
            ox.Triple(node, ox.NamedNode(_PROV + "wasRevisionOf"), version_iri(previous))
        )
    return triples
