"""The partner registry as RDF: the registry file's triples and the public graph.

The registry file (``registry.ttl``) holds, per partner, a ``kl:Partnerregistratie`` with
its organisation, graphs, namespaces, endpoint, dump URL and contact, plus the
publisher and label of each graph it owns (docs/model.md, "Partner registry"). The public
graph ``{GRAPH}partners`` is those triples plus the publisher of every province graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV

from kringloop.errors import ConfigurationError
from kringloop.graphs import BUNDLED
from kringloop.partners.model import PARTNERS_GRAPH, PROVENANCE_GRAPH, Partner
from kringloop.vocab import KL, ORG, PROVINCE_UTRECHT

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
MAILTO = "mailto:"

#: Titles of the system graphs (the bundled ones carry their own).
SYSTEM_TITLES = {
    PARTNERS_GRAPH: ("Partnerregister", "Partner registry"),
    PROVENANCE_GRAPH: ("Herkomst van graafversies", "Provenance of graph versions"),
}


def registry_graph(partners: Iterable[Partner]) -> Graph:
    """The triples of the registry file."""
    graph = Graph()
    for prefix, namespace in (
        ("kl", KL),
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("org", ORG),
        ("prov", PROV),
        ("vcard", VCARD),
    ):
        graph.bind(prefix, namespace)
    for partner in partners:
        _add_partner(graph, partner)
    return graph


def _add_partner(graph: Graph, partner: Partner) -> None:
    node = URIRef(partner.iri)
    organisation = URIRef(partner.organisation)
    graph.add((node, RDF.type, KL.Partnerregistratie))
    graph.add((node, RDFS.label, Literal(partner.label, lang="nl")))
    graph.add((node, KL.organisatie, organisation))
    graph.add((node, DCTERMS.created, Literal(_utc(partner.created), datatype=XSD.dateTime)))
    for type_ in (ORG.Organization, PROV.Agent):
        graph.add((organisation, RDF.type, type_))
    graph.add((organisation, RDFS.label, Literal(partner.label, lang="nl")))
    for iri in partner.graphs:
        owned = URIRef(iri)
        graph.add((node, KL.beheertGraaf, owned))
        graph.add((owned, DCTERMS.publisher, organisation))
        graph.add((owned, RDFS.label, Literal(f"Gegevens van {partner.label}", lang="nl")))
        graph.add((owned, RDFS.label, Literal(f"Data of {partner.label}", lang="en")))
    for namespace in partner.namespaces:
        graph.add((node, KL.naamruimte, Literal(namespace, datatype=XSD.anyURI)))
    if partner.endpoint:
        graph.add((node, KL.sparqlEndpoint, URIRef(partner.endpoint)))
    if partner.dump:
        graph.add((node, KL.dumpUrl, URIRef(partner.dump)))
    if partner.contact_name or partner.contact_email:
        contact = BNode(f"contact-{partner.ref}")
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        if partner.contact_name:
            graph.add((contact, VCARD.fn, Literal(partner.contact_name)))
        if partner.contact_email:
            graph.add((contact, VCARD.hasEmail, URIRef(MAILTO + partner.contact_email)))


def public_graph(partners: Iterable[Partner]) -> Graph:
    """The registry plus the publisher and title of every province graph."""
    graph = registry_graph(partners)
    titles = {str(source.iri): (source.title_nl, source.title_en) for source in BUNDLED}
    titles.update(SYSTEM_TITLES)
    for iri, (title_nl, title_en) in titles.items():
        node = URIRef(iri)
        graph.add((node, DCTERMS.publisher, PROVINCE_UTRECHT))
        graph.add((node, RDFS.label, Literal(title_nl, lang="nl")))
        graph.add((node, RDFS.label, Literal(title_en, lang="en")))
    return graph


def partners_from_graph(graph: Graph, source: str) -> list[Partner]:
    """Every registration in ``graph``; a malformed one is a :class:`ConfigurationError`."""
    partners = []
    for node in sorted(graph.subjects(RDF.type, KL.Partnerregistratie), key=str):
        try:
            partners.append(_partner(graph, node))
        except (ValueError, TypeError) as error:
            raise ConfigurationError(
                f"{source}: registration <{node}> is malformed: {error}"
            ) from error
    return partners


def _partner(graph: Graph, node: object) -> Partner:
    if not isinstance(node, URIRef) or "/partner/" not in str(node):
        raise ValueError("its IRI is not {ID}partner/{ref}")
    ref = str(node).rsplit("/", 1)[1]
    contact = graph.value(node, DCAT.contactPoint)
    email = _optional(graph, contact, VCARD.hasEmail) if contact is not None else None
    created = _one(graph, node, DCTERMS.created)
    assert isinstance(created, Literal)
    when = created.toPython()
    if not isinstance(when, datetime):
        raise ValueError(f"dcterms:created {created!r} is not an xsd:dateTime")
    partner = Partner(
        ref=ref,
        label=str(_one(graph, node, RDFS.label)),
        organisation=str(_one(graph, node, KL.organisatie)),
        graphs=tuple(sorted(str(value) for value in graph.objects(node, KL.beheertGraaf))),
        namespaces=tuple(sorted(str(value) for value in graph.objects(node, KL.naamruimte))),
        endpoint=_optional(graph, node, KL.sparqlEndpoint),
        dump=_optional(graph, node, KL.dumpUrl),
        contact_name=_optional(graph, contact, VCARD.fn) if contact is not None else None,
        contact_email=email.removeprefix(MAILTO) if email else None,
        created=_utc(when),
    )
    if partner.iri != str(node):
        raise ValueError("its IRI is not {ID}partner/{ref}")
    return partner


def _one(graph: Graph, node: object, predicate: URIRef) -> object:
    values = list(graph.objects(node, predicate))  # type: ignore[arg-type]
    if len(values) != 1:
        raise ValueError(f"it has {len(values)} values of {predicate.n3()}, not 1")
    return values[0]


def _optional(graph: Graph, node: object, predicate: URIRef) -> str | None:
    values = list(graph.objects(node, predicate))  # type: ignore[arg-type]
    if len(values) > 1:
        raise ValueError(f"it has {len(values)} values of {predicate.n3()}, at most 1 allowed")
    return str(values[0]) if values else None


def _utc(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)
