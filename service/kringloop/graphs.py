"""The manifest of the bundled named graphs: which files make which graph."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, URIRef

from kringloop.paths import project_root
from kringloop.vocab import GRAPH


@dataclass(frozen=True)
class GraphSource:
    """One named graph of the bundled publication and the files it is read from."""

    iri: URIRef
    patterns: tuple[str, ...]
    title_nl: str
    title_en: str

    def files(self, root: Path | None = None) -> list[Path]:
        base = root or project_root()
        found: list[Path] = []
        for pattern in self.patterns:
            found.extend(sorted(base.glob(pattern)))
        return found


ONTOLOGY = GraphSource(GRAPH["ontologie"], ("ontology/*.ttl",), "Ontologie", "Ontology")
VOCABULARIES = GraphSource(
    GRAPH["begrippen"], ("data/vocabularies/*.ttl",), "Begrippenkaders", "Concept schemes"
)
AGENDA = GraphSource(
    GRAPH["agenda-2021-2022"],
    ("data/agenda-2021-2022.ttl",),
    "Uitvoeringsagenda Circulaire Samenleving 2021-2022 (zoals het document het zegt)",
    "Implementation agenda circular society 2021-2022 (as the document states it)",
)
INTERPRETATIONS = GraphSource(
    GRAPH["interpretaties-2021-2022"],
    ("data/interpretations-2021-2022.ttl",),
    "Interpretaties bij de agenda 2021-2022 (redactie Kringloop)",
    "Interpretations of the 2021-2022 agenda (Kringloop editors)",
)

#: Every bundled graph, in load order.
BUNDLED: tuple[GraphSource, ...] = (ONTOLOGY, VOCABULARIES, AGENDA, INTERPRETATIONS)


def iter_bundled_files(root: Path | None = None) -> Iterator[tuple[GraphSource, Path]]:
    """Yield every bundled file with the graph it belongs to."""
    for source in BUNDLED:
        for path in source.files(root):
            yield source, path


def load_bundled_dataset(root: Path | None = None) -> Dataset:
    """Parse every bundled file into its named graph of a new rdflib Dataset."""
    dataset = Dataset()
    for source, path in iter_bundled_files(root):
        dataset.graph(source.iri).parse(path, format="turtle")
    return dataset
