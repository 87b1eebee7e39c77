"""Resources we minted once and no longer publish (``data/removed-uris.ttl``): the
service answers 410 Gone for them, pointing to the replacement where there is one.
No Flask here; the format is documented in ``docs/publication.md``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from kringloop.errors import ConfigurationError
from kringloop.paths import project_root
from kringloop.vocab import BASE

PROV_INVALIDATED = URIRef("http://www.w3.org/ns/prov#invalidatedAtTime")
REPLACED_BY = URIRef("http://purl.org/dc/terms/isReplacedBy")


@dataclass(frozen=True)
class Removal:
    """A resource we minted once and no longer publish (``data/removed-uris.ttl``)."""

    iri: str
    removed_at: str
    replaced_by: str | None
    comments: dict[str, str]


def load_removals(path: Path) -> dict[str, Removal]:
    """The removals ``path`` describes, by IRI; a missing file describes none.

    Each subject must be an IRI under the base with exactly one ``prov:invalidatedAtTime``
    and at most one ``dcterms:isReplacedBy`` (an IRI); anything else is a configuration
    error naming the subject.
    """
    if not path.is_file():
        return {}
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several unrelated types for bad Turtle
        raise ConfigurationError(f"{path}: {error}") from None
    removals: dict[str, Removal] = {}
    for subject in sorted(set(graph.subjects()), key=str):
        if not isinstance(subject, URIRef) or not str(subject).startswith(BASE):
            raise ConfigurationError(f"{path}: {subject} is not an IRI under {BASE}")
        times = list(graph.objects(subject, PROV_INVALIDATED))
        replacements = list(graph.objects(subject, REPLACED_BY))
        if len(times) != 1 or not isinstance(times[0], Literal):
            raise ConfigurationError(f"{path}: {subject} needs one prov:invalidatedAtTime")
        if len(replacements) > 1 or any(not isinstance(r, URIRef) for r in replacements):
            raise ConfigurationError(f"{path}: {subject} has more than one replacement")
        removals[str(subject)] = Removal(
            iri=str(subject),
            removed_at=str(times[0]),
            replaced_by=str(replacements[0]) if replacements else None,
            comments={
                obj.language or "": str(obj)
                for obj in graph.objects(subject, RDFS.comment)
                if isinstance(obj, Literal)
            },
        )
    return removals


def removals_path() -> Path:
    """Where the service reads its removals by default."""
    return project_root() / "data" / "removed-uris.ttl"
