"""Independent answers from the bundled files (rdflib), to check the browser against."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import RDF, Graph, Namespace

#: The test service's result cap: smaller than the number of activities (139), so the
#: catalogue is read in several pages.
RESULT_CAP = 40
KL = Namespace("https://w3id.org/kringloop/def#")
ID = "https://w3id.org/kringloop/id/"
BODEM = ID + "thema/bodem-water-milieu"
ZEKER = ID + "kolom/zeker"
MOGELIJK = ID + "kolom/mogelijk"
WATERSCHAPPEN = ID + "partnergroep/waterschappen"
#: facet parameter -> property (written out again here, not imported from the code)
PROPERTIES = {
    "thema": KL.thema,
    "kolom": KL.kolom,
    "partner": KL.partner,
    "rstrategie": KL.rStrategie,
    "rol": KL.rol,
    "doel": KL.doel,
    "fase": KL.levenscyclusfase,
}
PREFIXES = (
    "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    "PREFIX org: <http://www.w3.org/ns/org#>\n"
)


def matching(graph: Graph, filters: Mapping[str, Sequence[str]]) -> set[str]:
    """The activities with, per facet, one of the values (a partner group also matches
    its member organisations), by a SPARQL query of its own over the bundled files."""
    patterns = []
    for number, (facet, values) in enumerate(filters.items()):
        listed = " ".join(f"<{value}>" for value in values)
        variable = f"?v{number}"
        if facet == "partner":
            patterns.append(
                f"VALUES {variable} {{ {listed} }} "
                f"{{ ?a kl:partner {variable} }} UNION "
                f"{{ ?a kl:partner ?m{number} . {variable} foaf:member ?m{number} }} UNION "
                f"{{ ?a kl:partner ?m{number} . ?m{number} org:memberOf {variable} }}"
            )
        else:
            patterns.append(
                f"VALUES {variable} {{ {listed} }} ?a <{PROPERTIES[facet]}> {variable} ."
            )
    query = (
        PREFIXES
        + "SELECT DISTINCT ?a WHERE { ?a a kl:Activiteit . "
        + " ".join(f"{{ {pattern} }}" for pattern in patterns)
        + " }"
    )
    return {str(row[0]) for row in graph.query(query)}  # type: ignore[index]


def activity_texts(graph: Graph) -> dict[str, list[str]]:
    """Each activity's label (first), source text and descriptions."""
    texts: dict[str, list[str]] = {}
    for activity in graph.subjects(RDF.type, KL.Activiteit):
        texts[str(activity)] = []
    query = (
        PREFIXES + "SELECT ?a ?text ?order WHERE { ?a a kl:Activiteit . "
        "{ ?a rdfs:label ?text BIND(0 AS ?order) } UNION "
        "{ ?a kl:bron/kl:brontekst ?text BIND(1 AS ?order) } UNION "
        "{ ?a dcterms:description ?text BIND(2 AS ?order) } } ORDER BY ?a ?order"
    )
    for row in graph.query(query):
        texts[str(row[0])].append(str(row[1]))  # type: ignore[index]
    return texts
