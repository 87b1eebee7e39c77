"""The DCAT catalogue (DCAT-AP 3.0.1, DCAT-AP-NL 3.0) and VoID description of the publication.

Generated, not a hand-written Turtle file: the datasets come from the graph manifest
(``graphs.py``), the distributions from the dump table (``dumps.py``) and the curated
views (``queries/*.rq``), and the VoID counts from the bundled data. A new graph, dump
format or view therefore appears in the catalogue without anyone editing it.

IRIs: the catalogue is ``{base}catalogus``; its datasets are the named graphs' own
IRIs plus ``{base}catalogus#kringloop`` for the whole publication; distributions, the
data service and the contact point are fragments of the catalogue IRI.

The few outside resources it refers to (licence, EU code-list concepts, the publisher)
are typed and labelled here, as DCAT-AP's range shapes expect of an exported graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from kringloop.dumps import ALL, CSV_MEDIA_TYPE, CSV_TABLES, Dump, all_dumps, graph_name
from kringloop.graphs import BUNDLED, GraphSource
from kringloop.views import View
from kringloop.vocab import BASE, PREFIXES, PROVINCE_UTRECHT

VOID = Namespace("http://rdfs.org/ns/void#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"

#: CC BY 4.0 from the EU licence list (DCAT-AP-NL takes its licences from it); the
#: ontology is published under the same licence.
LICENCE = URIRef(f"{EU}licence/CC_BY_4_0")
PUBLIC = URIRef(f"{EU}access-right/PUBLIC")
DUTCH = URIRef(f"{EU}language/NLD")
ENGLISH = URIRef(f"{EU}language/ENG")
#: EU data themes: environment; government and public sector.
THEMES = (URIRef(f"{EU}data-theme/ENVI"), URIRef(f"{EU}data-theme/GOVE"))
PROVINCE_SITE = URIRef("https://www.provincie-utrecht.nl/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
STABLE = URIRef(f"{EU}planned-availability/STABLE")
DCATAP = Namespace("http://data.europa.eu/r5r/")
TEMPORAL_START = date(2021, 1, 1)
TEMPORAL_END = date(2022, 12, 31)

#: Labels of the outside concepts the catalogue uses: (scheme, nl, en).
_CONCEPTS: dict[URIRef, tuple[str, str, str]] = {
    PUBLIC: ("access-right", "publiek", "public"),
    DUTCH: ("language", "Nederlands", "Dutch"),
    ENGLISH: ("language", "Engels", "English"),
    THEMES[0]: ("data-theme", "Milieu", "Environment"),
    THEMES[1]: ("data-theme", "Overheid en publieke sector", "Government and public sector"),
    STABLE: ("planned-availability", "stabiel", "stable"),
}


class Catalogue:
    """Builds the catalogue graph for one base IRI (the public address of the service)."""

    def __init__(self, base: str = BASE) -> None:
        self.base = base if base.endswith("/") else base + "/"
        self.iri = URIRef(f"{self.base}catalogus")
        self.graph = Graph()
        for prefix, namespace in {
            **PREFIXES,
            "void": str(VOID),
            "vcard": str(VCARD),
            "dcatap": str(DCATAP),
        }.items():
            self.graph.bind(prefix, URIRef(namespace), override=True)

    def part(self, fragment: str) -> URIRef:
        return URIRef(f"{self.iri}#{fragment}")

    def url(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def add(self, subject: URIRef | BNode, predicate: URIRef, value: object) -> None:
        term = value if isinstance(value, URIRef | BNode | Literal) else Literal(value)
        self.graph.add((subject, predicate, term))

    def texts(self, subject: URIRef, predicate: URIRef, nl: str, en: str) -> None:
        self.graph.add((subject, predicate, Literal(nl, lang="nl")))
        self.graph.add((subject, predicate, Literal(en, lang="en")))


def build_catalogue(
    triple_counts: Mapping[URIRef, int],
    views: Sequence[View],
    modified: dict[URIRef, date],
    base: str = BASE,
) -> Graph:
    """The DCAT + VoID catalogue of the published graphs.

    ``triple_counts`` gives each graph's size (see :func:`triple_counts`), ``modified``
    its modification date (see :func:`modification_dates`).
    """
    cat = Catalogue(base)
    contact = _contact_point(cat)
    service = cat.part("sparql")
    whole = cat.part(ALL)
    newest = max(modified.values(), default=datetime.now(UTC).date())
    cat.add(cat.iri, RDF.type, DCAT.Catalog)
    cat.texts(
        cat.iri,
        DCTERMS.title,
        "Kringloop: catalogus van de linked data bij de Uitvoeringsagenda Circulaire Samenleving",
        "Kringloop: catalogue of the linked data on the circular society implementation agenda",
    )
    cat.texts(
        cat.iri,
        DCTERMS.description,
        "Datasets, downloads en het SPARQL-endpoint van Kringloop, de kennisgraaf bij de "
        "Uitvoeringsagenda Circulaire Samenleving 2021-2022 van de provincie Utrecht.",
        "Datasets, downloads and the SPARQL endpoint of Kringloop, the knowledge graph of "
        "the Province of Utrecht's circular society implementation agenda 2021-2022.",
    )
    _common(cat, cat.iri, contact)
    cat.add(cat.iri, DCTERMS.modified, Literal(newest, datatype=XSD.date))
    cat.add(cat.iri, FOAF.homepage, cat.url(""))
    cat.add(cat.iri, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme"))
    cat.add(cat.iri, DCAT.service, service)
    _data_service(cat, service, whole, contact)
    _whole_dataset(cat, whole, triple_counts, service, contact, newest)
    cat.add(cat.iri, DCAT.dataset, whole)
    for source in BUNDLED:
        iri = URIRef(source.iri)
        _graph_dataset(cat, source, triple_counts, service, contact, modified.get(iri, newest))
        cat.add(cat.iri, DCAT.dataset, iri)
        cat.add(whole, VOID.subset, iri)
        cat.add(whole, DCTERMS.hasPart, iri)
    for dump in all_dumps():
        target = whole if dump.source is None else URIRef(dump.source.iri)
        _dump_distribution(cat, target, dump)
    for table in CSV_TABLES:
        _distribution(
            cat, whole, f"tabel-{table.name}", f"dumps/{table.file_name}", CSV_MEDIA_TYPE, "CSV",
            (f"{table.title_nl} (CSV)", f"{table.title_en} (CSV)"), download=True,
            description=(table.description_nl, table.description_en),
        )  # fmt: skip
    for view in views:
        _view_distributions(cat, whole, view)
    _outside_resources(cat)
    return cat.graph


#: Prefixes for serialising the catalogue, beside the project's own.
CATALOGUE_PREFIXES = {"void": str(VOID), "vcard": str(VCARD), "dcatap": str(DCATAP)}


def as_oxigraph(graph: Graph) -> list[ox.Triple]:
    """The catalogue's triples as Oxigraph terms (to serialise like every other answer)."""
    lines = graph.serialize(format="nt", encoding="utf-8")
    return [quad.triple for quad in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]


def triple_counts(store: ox.Store, sources: Sequence[GraphSource] = BUNDLED) -> dict[URIRef, int]:
    """How many triples each graph holds in ``store``."""
    return {
        URIRef(source.iri): sum(
            1 for _quad in store.quads_for_pattern(None, None, None, ox.NamedNode(str(source.iri)))
        )
        for source in sources
    }


def modification_dates(sources: Sequence[GraphSource] = BUNDLED) -> dict[URIRef, date]:
    """Each graph's modification date: the newest modification time of its files (UTC)."""
    found: dict[URIRef, date] = {}
    for source in sources:
        times = [path.stat().st_mtime for path in source.files()]
        if times:
            found[URIRef(source.iri)] = datetime.fromtimestamp(max(times), UTC).date()
    return found


def _common(cat: Catalogue, subject: URIRef, contact: URIRef) -> None:
    """Publisher, creator, licence, language and contact point, shared by every entry."""
    cat.add(subject, DCTERMS.publisher, PROVINCE_UTRECHT)
    cat.add(subject, DCTERMS.creator, PROVINCE_UTRECHT)
    cat.add(subject, DCTERMS.license, LICENCE)
    cat.add(subject, DCTERMS.language, DUTCH)
    cat.add(subject, DCAT.contactPoint, contact)


def _described(cat: Catalogue, subject: URIRef, contact: URIRef, identifier: str) -> None:
    """What DCAT-AP-NL asks of datasets and data services alike."""
    _common(cat, subject, contact)
    cat.add(subject, DCTERMS.accessRights, PUBLIC)
    cat.add(subject, DCTERMS.identifier, Literal(identifier))
    for theme in THEMES:
        cat.add(subject, DCAT.theme, theme)
    cat.texts(subject, DCAT.keyword, "circulaire economie", "circular economy")


def _data_service(cat: Catalogue, service: URIRef, whole: URIRef, contact: URIRef) -> None:
    endpoint = cat.url("sparql")
    cat.add(service, RDF.type, DCAT.DataService)
    cat.texts(service, DCTERMS.title, "SPARQL-endpoint van Kringloop", "Kringloop SPARQL endpoint")
    cat.texts(
        service,
        DCTERMS.description,
        "Openbaar SPARQL 1.1-endpoint (alleen lezen) over alle gepubliceerde grafen.",
        "Public read-only SPARQL 1.1 endpoint over every published graph.",
    )
    _described(cat, service, contact, str(service))
    cat.add(service, DCAT.endpointURL, endpoint)
    cat.add(service, DCAT.endpointDescription, endpoint)
    cat.add(service, DCTERMS.conformsTo, SPARQL_PROTOCOL)
    cat.add(service, DCAT.servesDataset, whole)


def _whole_dataset(
    cat: Catalogue,
    whole: URIRef,
    triple_counts: Mapping[URIRef, int],
    service: URIRef,
    contact: URIRef,
    modified: date,
) -> None:
    triples = sum(triple_counts.get(URIRef(source.iri), 0) for source in BUNDLED)
    _dataset(
        cat, whole, service, contact, modified, triples,
        ("Kringloop: de kennisgraaf van de Uitvoeringsagenda Circulaire Samenleving 2021-2022",
         "Kringloop: the knowledge graph of the circular society implementation agenda 2021-2022"),
        ("Alle gepubliceerde grafen samen: de agenda zoals het document hem formuleert, de "
         "begrippenkaders, de ontologie en de interpretaties van de redactie.",
         "Every published graph together: the agenda as the document states it, the concept "
         "schemes, the ontology and the editors' interpretations."),
    )  # fmt: skip
    cat.add(whole, VOID.dataDump, cat.url(f"dumps/{ALL}.trig"))


def _graph_dataset(
    cat: Catalogue,
    source: GraphSource,
    triple_counts: Mapping[URIRef, int],
    service: URIRef,
    contact: URIRef,
    modified: date,
) -> None:
    iri = URIRef(source.iri)
    _dataset(
        cat, iri, service, contact, modified, triple_counts.get(iri, 0),
        (source.title_nl, source.title_en),
        (f"De benoemde graaf <{iri}> van Kringloop.", f"The named graph <{iri}> of Kringloop."),
    )  # fmt: skip
    cat.add(iri, VOID.dataDump, cat.url(f"dumps/{graph_name(source)}.trig"))


def _dataset(
    cat: Catalogue,
    iri: URIRef,
    service: URIRef,
    contact: URIRef,
    modified: date,
    triples: int,
    title: tuple[str, str],
    description: tuple[str, str],
) -> None:
    cat.add(iri, RDF.type, DCAT.Dataset)
    cat.add(iri, RDF.type, VOID.Dataset)
    cat.texts(iri, DCTERMS.title, *title)
    cat.texts(iri, DCTERMS.description, *description)
    _described(cat, iri, contact, str(iri))
    cat.add(iri, DCTERMS.modified, Literal(modified, datatype=XSD.date))
    period = BNode()
    cat.add(iri, DCTERMS.temporal, period)
    cat.add(period, RDF.type, DCTERMS.PeriodOfTime)
    cat.add(period, DCAT.startDate, Literal(TEMPORAL_START, datatype=XSD.date))
    cat.add(period, DCAT.endDate, Literal(TEMPORAL_END, datatype=XSD.date))
    cat.add(iri, VOID.triples, Literal(triples, datatype=XSD.integer))
    cat.add(iri, VOID.sparqlEndpoint, cat.url("sparql"))
    cat.add(iri, VOID.uriSpace, Literal(f"{BASE}id/"))
    cat.add(iri, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle"))
    cat.add(iri, DCAT.landingPage, cat.url("dumps/"))


def _dump_distribution(cat: Catalogue, dataset: URIRef, dump: Dump) -> None:
    _distribution(
        cat, dataset, f"dump-{dump.name}-{dump.format.suffix}", f"dumps/{dump.file_name}",
        dump.format.media_type, dump.format.eu_file_type, (dump.title_nl, dump.title_en),
        download=True, description=_dump_description(dump),
    )  # fmt: skip


def _dump_description(dump: Dump) -> tuple[str, str]:
    keeps = dump.format.oxigraph in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
    if dump.source is None:
        what = ("Alle gepubliceerde grafen", "Every published graph")
    else:
        what = (f"De graaf <{dump.source.iri}>", f"The graph <{dump.source.iri}>")
    graphs = (
        ("met de benoemde grafen", "keeping the named graphs")
        if keeps
        else ("samengevoegd tot één graaf", "merged into one graph")
    )
    return (
        f"{what[0]} als {dump.format.label}, {graphs[0]}.",
        f"{what[1]} as {dump.format.label}, {graphs[1]}.",
    )


def _view_distributions(cat: Catalogue, whole: URIRef, view: View) -> None:
    """A view's CSV and JSON; downloadable directly unless it needs a parameter."""
    needs_input = any(param.required for param in view.params)
    title_en = view.title_en or view.title
    for suffix, media_type, file_type in (("csv", CSV_MEDIA_TYPE, "CSV"),
                                          ("json", "application/json", "JSON")):  # fmt: skip
        _distribution(
            cat, whole, f"view-{view.name}-{suffix}", f"views/{view.name}.{suffix}",
            media_type, file_type,
            (f"Overzicht: {view.title} ({suffix.upper()})",
             f"View: {title_en} ({suffix.upper()})"),
            download=not needs_input, access_path=f"views/{view.name}",
            description=(view.description or view.title,
                         view.description_en or view.title_en or view.title),
        )  # fmt: skip


def _distribution(
    cat: Catalogue,
    dataset: URIRef,
    fragment: str,
    path: str,
    media_type: str,
    file_type: str,
    title: tuple[str, str],
    *,
    download: bool,
    description: tuple[str, str],
    access_path: str | None = None,
) -> None:
    distribution = cat.part(fragment)
    cat.add(dataset, DCAT.distribution, distribution)
    cat.add(distribution, RDF.type, DCAT.Distribution)
    cat.texts(distribution, DCTERMS.title, *title)
    cat.texts(distribution, DCTERMS.description, *description)
    cat.add(distribution, DCAT.accessURL, cat.url(access_path or path))
    if download:
        cat.add(distribution, DCAT.downloadURL, cat.url(path))
    cat.add(
        distribution, DCAT.mediaType, URIRef(f"http://www.iana.org/assignments/media-types/{media_type}")
    )  # fmt: skip
    cat.add(distribution, DCTERMS["format"], URIRef(f"{EU}file-type/{file_type}"))
    cat.add(distribution, DCTERMS.license, LICENCE)
    cat.add(distribution, DCTERMS.language, DUTCH)
    cat.add(distribution, DCATAP.availability, STABLE)


def _contact_point(cat: Catalogue) -> URIRef:
    contact = cat.part("contact")
    cat.add(contact, RDF.type, VCARD.Organization)
    cat.add(contact, RDF.type, VCARD.Kind)
    cat.add(contact, VCARD.fn, Literal("Provincie Utrecht", lang="nl"))
    cat.add(contact, VCARD.hasURL, PROVINCE_SITE)
    return contact


def _outside_resources(cat: Catalogue) -> None:
    """Type and label every outside resource the catalogue refers to."""
    cat.add(PROVINCE_UTRECHT, RDF.type, FOAF.Agent)
    cat.add(PROVINCE_UTRECHT, FOAF.name, Literal("Provincie Utrecht", lang="nl"))
    cat.add(LICENCE, RDF.type, DCTERMS.LicenseDocument)
    cat.add(
        LICENCE, DCTERMS.title, Literal("Creative Commons Attribution 4.0 International", lang="en")
    )
    cat.add(PUBLIC, RDF.type, DCTERMS.RightsStatement)
    cat.add(SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard)
    cat.add(SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en"))
    for page in {
        *cat.graph.objects(None, DCAT.landingPage),
        *cat.graph.objects(None, FOAF.homepage),
    }:
        assert isinstance(page, URIRef)
        cat.add(page, RDF.type, FOAF.Document)
    for language in (DUTCH, ENGLISH):
        cat.add(language, RDF.type, DCTERMS.LinguisticSystem)
    schemes: set[str] = set()
    for concept, (scheme, nl, en) in _CONCEPTS.items():
        cat.add(concept, RDF.type, SKOS.Concept)
        cat.add(concept, SKOS.inScheme, URIRef(EU + scheme))
        cat.texts(concept, SKOS.prefLabel, nl, en)
        schemes.add(scheme)
    used_types = {obj for obj in cat.graph.objects(None, DCTERMS["format"])}
    for file_type in used_types:
        assert isinstance(file_type, URIRef)
        cat.add(file_type, RDF.type, DCTERMS.MediaTypeOrExtent)
        cat.add(file_type, SKOS.inScheme, URIRef(f"{EU}file-type"))
        cat.add(file_type, SKOS.prefLabel, Literal(str(file_type).rsplit("/", 1)[-1]))
        schemes.add("file-type")
    media_types = {obj for obj in cat.graph.objects(None, DCAT.mediaType)}
    for media_type in media_types:
        assert isinstance(media_type, URIRef)
        cat.add(media_type, RDF.type, DCTERMS.MediaType)
    for scheme in sorted(schemes):
        cat.add(URIRef(EU + scheme), RDF.type, SKOS.ConceptScheme)
        cat.add(URIRef(EU + scheme), DCTERMS.title, Literal(scheme, lang="en"))
