"""The OWL ontology: it parses, documents every term, covers every term the project uses,
and is consistent (HermiT) on its own and together with the bundled data."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kringloop.graphs import iter_bundled_files
from kringloop.vocab import KL

ONTOLOGY_IRI = URIRef("https://w3id.org/kringloop/def")
PROVINCE_UTRECHT = URIRef("https://identifier.overheid.nl/tooi/id/provincie/pv26")
CC_BY = URIRef("http://creativecommons.org/licenses/by/4.0/")
VANN = "http://purl.org/vocab/vann/"
DECLARATION_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)
#: Where project files may use ``kl:`` terms.
SCANNED_FOLDERS = ("ontology", "data", "shapes", "queries")
SCANNED_SUFFIXES = (".ttl", ".rq", ".trig", ".nt")
#: ``kl:Term`` written as a prefixed name (Turtle, SPARQL, or SPARQL inside a shape).
PREFIXED_TERM = re.compile(r"(?<![\w/#.-])kl:([A-Za-z][\w-]*[\w])")
FULL_TERM = re.compile(re.escape(str(KL)) + r"([A-Za-z][\w-]*[\w])")
#: Stays well under the suite's budget; the agenda takes about 2 s here.


@pytest.fixture(scope="module")
def ontology(root: Path) -> Graph:
    return Graph().parse(root / "ontology" / "kringloop.ttl", format="turtle")


def declared_terms(ontology: Graph) -> set[str]:
    """Local names of the ``kl:`` terms the ontology declares."""
    names: set[str] = set()
    for declaration_type in DECLARATION_TYPES:
        for subject in ontology.subjects(RDF.type, declaration_type):
            if isinstance(subject, URIRef) and subject.startswith(str(KL)):
                names.add(subject[len(str(KL)) :])
    return names


def language_tags(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    return {
        value.language
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal) and value.language
    }


def test_ontology_header(ontology: Graph) -> None:
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}
    assert language_tags(ontology, ONTOLOGY_IRI, DCTERMS.title) >= {"nl", "en"}
    assert language_tags(ontology, ONTOLOGY_IRI, DCTERMS.description) >= {"nl", "en"}
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    version_iri = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert version_iri is not None and str(version_iri).startswith(f"{ONTOLOGY_IRI}/")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.creator) == PROVINCE_UTRECHT
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.publisher) == PROVINCE_UTRECHT
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == CC_BY
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(f"{VANN}preferredNamespacePrefix"))) == "kl"
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(f"{VANN}preferredNamespaceUri"))) == str(KL)
    assert not list(ontology.objects(ONTOLOGY_IRI, OWL.imports)), "no remote owl:imports"


def test_every_term_is_documented_in_dutch_and_english(ontology: Graph) -> None:
    problems: list[str] = []
    for name in sorted(declared_terms(ontology)):
        term = KL[name]
        for predicate in (RDFS.label, RDFS.comment):
            missing = {"nl", "en"} - language_tags(ontology, term, predicate)
            if missing:
                problems.append(f"kl:{name} has no {predicate.n3()} in {sorted(missing)}")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"kl:{name} lacks rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
    assert not problems, "\n".join(problems)


def test_property_domains_and_ranges_are_declared_classes(ontology: Graph) -> None:
    """A domain or range that names an undeclared ``kl:`` class is a typo."""
    declared = declared_terms(ontology)
    typos = [
        f"{subject.n3()} {predicate.n3()} {value.n3()}"
        for predicate in (RDFS.domain, RDFS.range)
        for subject, value in ontology.subject_objects(predicate)
        if isinstance(value, URIRef)
        and value.startswith(str(KL))
        and value[len(str(KL)) :] not in declared
    ]
    assert not typos, "\n".join(typos)


def model_md_terms(root: Path) -> set[str]:
    text = (root / "docs" / "model.md").read_text(encoding="utf-8")
    return set(PREFIXED_TERM.findall(text))


def test_ontology_matches_docs_model(ontology: Graph, root: Path) -> None:
    """docs/model.md is the contract: the two name exactly the same ``kl:`` terms."""
    declared = declared_terms(ontology)
    documented = model_md_terms(root)
    assert not documented - declared, (
        f"in docs/model.md, not declared: {sorted(documented - declared)}"
    )
    assert not declared - documented, (
        f"declared, not in docs/model.md: {sorted(declared - documented)}"
    )


def scanned_files(root: Path) -> list[Path]:
    return sorted(
        path
        for folder in SCANNED_FOLDERS
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix in SCANNED_SUFFIXES
    )


def terms_used_in(path: Path) -> set[str]:
    """``kl:`` local names a file mentions, as full IRIs or as ``kl:`` prefixed names.

    The text is scanned (not only the parsed triples) so that SPARQL inside shapes and
    queries counts too. A file that binds ``kl:`` to another namespace is an error.
    """
    text = path.read_text(encoding="utf-8")
    binding = re.search(r"(?i)prefix\s+kl:\s*<([^>]*)>", text)
    if binding and binding.group(1) != str(KL):
        pytest.fail(f"{path} binds kl: to <{binding.group(1)}>, not <{KL}>")
    names = set(FULL_TERM.findall(text)) | set(PREFIXED_TERM.findall(text))
    if path.suffix == ".ttl":  # terms under any prefix name, as the parser reads them
        graph = Graph().parse(data=text, format="turtle")
        names |= {
            str(term)[len(str(KL)) :]
            for triple in graph
            for term in triple
            if isinstance(term, URIRef) and str(term).startswith(str(KL))
        }
    return names


def test_every_used_term_is_declared(ontology: Graph, root: Path) -> None:
    declared = declared_terms(ontology)
    missing: dict[str, list[str]] = {}
    for path in scanned_files(root):
        for name in terms_used_in(path) - declared:
            missing.setdefault(f"kl:{name}", []).append(str(path.relative_to(root)))
    report = "\n".join(
        f"{term}: used in {', '.join(files)}" for term, files in sorted(missing.items())
    )
    assert not missing, f"kl: terms used but not declared in ontology/kringloop.ttl:\n{report}"


def test_scanner_finds_terms_in_text_and_triples(tmp_path: Path) -> None:
    """The scan sees terms inside SPARQL strings and under any Turtle prefix name."""
    query = tmp_path / "q.rq"
    query.write_text(
        "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
        "SELECT * { ?a kl:thema ?t ; <https://w3id.org/kringloop/def#kolom> ?k . "
        "FILTER(?t != kl:geenTerm) }\n",
        encoding="utf-8",
    )
    assert terms_used_in(query) == {"thema", "kolom", "geenTerm"}
    turtle = tmp_path / "t.ttl"
    turtle.write_text(
        "@prefix def: <https://w3id.org/kringloop/def#> .\n"
        "<https://example.org/a> def:onbekend 1 .\n",
        encoding="utf-8",
    )
    assert terms_used_in(turtle) == {"onbekend"}


# --- Reasoning ------------------------------------------------------------------------


def java_executable() -> str:
    java = shutil.which("java") or ("/usr/bin/java" if Path("/usr/bin/java").exists() else None)
    if java is None:
        pytest.fail(
            "Java is not installed: the OWL consistency tests run HermiT, which needs a Java "
            "runtime (apt-get install default-jre-headless; CI installs it)."
        )
    return java


def run_hermit(sources: Iterable[Path | Graph], work_dir: Path) -> owlready2.World:
    """Load the sources into a fresh owlready2 World and classify it with HermiT.

    Raises ``OwlReadyInconsistentOntologyError`` when the knowledge base is inconsistent.
    Literals whose datatype is outside the OWL 2 datatype map (``xsd:gYear`` in the agenda's
    temporal coverage) are ignored by HermiT instead of aborting it.
    """
    owlready2.JAVA_EXE = java_executable()
    merged = Graph()
    for source in sources:
        if isinstance(source, Graph):
            merged += source
        else:
            merged.parse(source, format="turtle")
    triples_path = work_dir / "merged.nt"
    merged.serialize(triples_path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(triples_path.as_uri()).load()
    previous_tempdir = tempfile.tempdir
    tempfile.tempdir = str(work_dir)  # owlready2 writes HermiT's input file there
    try:
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
        )
    finally:
        tempfile.tempdir = previous_tempdir
    return world


def unsatisfiable(world: owlready2.World) -> list[str]:
    return sorted(str(entity.iri) for entity in world.inconsistent_classes())


def test_ontology_is_consistent(root: Path, tmp_path: Path) -> None:
    try:
        world = run_hermit([root / "ontology" / "kringloop.ttl"], tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail("HermiT: ontology/kringloop.ttl is inconsistent")
    assert not unsatisfiable(world), f"unsatisfiable classes: {unsatisfiable(world)}"


def test_bundled_data_is_consistent_with_the_ontology(root: Path, tmp_path: Path) -> None:
    """Ontology + vocabularies + agenda + interpretations: a clash shows up here."""
    files = [path for _, path in iter_bundled_files(root)]
    assert any(path.parent.name == "vocabularies" for path in files)
    bundled = Graph()
    for path in files:
        bundled.parse(path, format="turtle")
    try:
        world = run_hermit([bundled], tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError:
        names = ", ".join(str(path.relative_to(root)) for path in files)
        pytest.fail(f"HermiT: the bundled graphs are inconsistent with the ontology ({names})")
    assert not unsatisfiable(world), f"unsatisfiable classes: {unsatisfiable(world)}"
    # HermiT saw the data, not just the ontology: every activity and concept is in the World.
    for kl_class in (KL.Activiteit, KL.RStrategie, KL.Thema):
        expected = set(bundled.subjects(RDF.type, kl_class))
        loaded = {str(entity.iri) for entity in world.search(type=world[str(kl_class)])}
        assert expected and loaded == {str(iri) for iri in expected}, kl_class


CLASHES = {
    "activity-typed-as-concept": """
        activiteit:x a kl:Activiteit , skos:Concept .
    """,
    "theme-is-an-activity": """
        activiteit:x kl:thema activiteit:y .
        activiteit:y a kl:Activiteit .
    """,
    "two-sources-with-different-lines": """
        activiteit:x kl:bron bron:a , bron:b .
        bron:a kl:regelVan 10 .
        bron:b kl:regelVan 11 .
    """,
    "line-number-zero": """
        bron:a kl:regelVan 0 .
    """,
}
CLASH_PREFIXES = """
@prefix kl: <https://w3id.org/kringloop/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix activiteit: <https://w3id.org/kringloop/id/activiteit/> .
@prefix bron: <https://w3id.org/kringloop/id/bron/> .
"""


@pytest.mark.parametrize("turtle", CLASHES.values(), ids=CLASHES.keys())
def test_reasoner_finds_a_clash(turtle: str, root: Path, tmp_path: Path) -> None:
    """Proof that the consistency tests above reason over the ontology's axioms."""
    clash = Graph().parse(data=CLASH_PREFIXES + turtle, format="turtle")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit([root / "ontology" / "kringloop.ttl", clash], tmp_path)
