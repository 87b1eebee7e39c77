"""Every IRI the bundled data mints is pinned: changing or removing one is a deliberate act.

The pinned list is ``tests/publication/minted-uris.txt``: every subject IRI under
``https://w3id.org/kringloop/`` in the bundled graphs, sorted, one a line. To change it
deliberately, regenerate it and review the diff::

    .venv/bin/python tests/publication/test_minted_uris.py > tests/publication/minted-uris.txt

An IRI that leaves the list must be described in ``data/removed-uris.ttl`` (the service
answers 410 Gone for it; see docs/publication.md).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

from kringloop.graphs import load_bundled_dataset
from kringloop.paths import project_root
from kringloop.vocab import BASE

PINNED = Path(__file__).with_name("minted-uris.txt")
REMOVED = project_root() / "data" / "removed-uris.ttl"
UPDATE = f".venv/bin/python tests/publication/test_minted_uris.py > {PINNED.name}"


def minted_uris(dataset: Dataset) -> list[str]:
    """Sorted subject IRIs in our namespace, over every named graph."""
    found = {
        str(subject)
        for subject, _p, _o, _g in dataset.quads((None, None, None, None))
        if isinstance(subject, URIRef) and str(subject).startswith(BASE)
    }
    return sorted(found)


def pinned_uris() -> list[str]:
    return [line for line in PINNED.read_text(encoding="utf-8").splitlines() if line]


def removed_graph() -> Graph:
    """``data/removed-uris.ttl`` (empty while nothing was ever removed)."""
    return Graph().parse(REMOVED, format="turtle") if REMOVED.exists() else Graph()


def removed_uris() -> set[str]:
    """IRIs ``data/removed-uris.ttl`` describes as removed (its subjects)."""
    graph = removed_graph()
    return {str(subject) for subject in graph.subjects() if isinstance(subject, URIRef)}


def removal_problems(removed: Graph, minted: set[str]) -> list[str]:
    """What is wrong with a removed-URIs graph (the format is in docs/publication.md)."""
    problems = []
    for subject in sorted(set(removed.subjects()), key=str):
        name = str(subject)
        if not isinstance(subject, URIRef) or not name.startswith(BASE):
            problems.append(f"{name}: not an IRI under {BASE}")
            continue
        if name in minted:
            problems.append(f"{name}: still minted by the bundled data")
        if len(list(removed.objects(subject, PROV.invalidatedAtTime))) != 1:
            problems.append(f"{name}: needs exactly one prov:invalidatedAtTime")
        replacements = list(removed.objects(subject, DCTERMS.isReplacedBy))
        if len(replacements) > 1:
            problems.append(f"{name}: at most one dcterms:isReplacedBy")
        for replacement in replacements:
            if str(replacement) not in minted:
                problems.append(f"{name}: its replacement {replacement} is not minted")
    return problems


def test_pinned_list_is_sorted_and_unique() -> None:
    pinned = pinned_uris()
    assert pinned == sorted(set(pinned)), f"{PINNED.name} must be sorted and unique"


def test_bundled_data_mints_exactly_the_pinned_uris(bundled: Dataset) -> None:
    minted = set(minted_uris(bundled))
    pinned = set(pinned_uris())
    new = sorted(minted - pinned)
    gone = sorted(pinned - minted)
    assert not new and not gone, (
        f"the minted IRIs differ from {PINNED.name}.\n"
        f"new ({len(new)}): {new[:10]}\nno longer minted ({len(gone)}): {gone[:10]}\n"
        f"If this is deliberate: regenerate it with `{UPDATE}`, review the diff, and "
        "describe every removed IRI in data/removed-uris.ttl."
    )


def unrecorded_removals(dataset: Dataset) -> list[str]:
    """Pinned IRIs the data no longer mints and data/removed-uris.ttl does not describe."""
    return sorted(set(pinned_uris()) - set(minted_uris(dataset)) - removed_uris())


def test_every_unpinned_iri_is_recorded_as_removed(bundled: Dataset) -> None:
    """An IRI that was published and is no longer minted must answer 410 Gone."""
    missing = unrecorded_removals(bundled)
    assert not missing, (
        f"{len(missing)} pinned IRIs are no longer minted and not in data/removed-uris.ttl: "
        f"{missing[:10]}"
    )


def test_removed_uris_file_is_well_formed(bundled: Dataset) -> None:
    problems = removal_problems(removed_graph(), set(minted_uris(bundled)))
    assert not problems, "data/removed-uris.ttl:\n" + "\n".join(problems)


def test_removal_check_explains_mistakes(bundled: Dataset) -> None:
    minted = set(minted_uris(bundled))
    kept = sorted(minted)[0]
    example = f"""
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{BASE}id/activiteit/weg> prov:invalidatedAtTime "2027-01-01T00:00:00Z"^^xsd:dateTime ;
            dcterms:isReplacedBy <{kept}> .
        <{BASE}id/activiteit/ook-weg> dcterms:isReplacedBy <{BASE}id/activiteit/nergens> .
        <{kept}> prov:invalidatedAtTime "2027-01-01T00:00:00Z"^^xsd:dateTime .
    """
    problems = removal_problems(Graph().parse(data=example, format="turtle"), minted)
    assert problems == [
        f"{kept}: still minted by the bundled data",
        f"{BASE}id/activiteit/ook-weg: needs exactly one prov:invalidatedAtTime",
        f"{BASE}id/activiteit/ook-weg: its replacement {BASE}id/activiteit/nergens is not minted",
    ]


def test_the_check_sees_a_removed_resource(bundled: Dataset) -> None:
    pinned = pinned_uris()
    reduced = Dataset()
    victim = URIRef(pinned[len(pinned) // 2])
    for s, p, o, g in bundled.quads((None, None, None, None)):
        if s != victim:
            reduced.add((s, p, o, g))
    assert unrecorded_removals(reduced) == [str(victim)]


if __name__ == "__main__":
    for iri in minted_uris(load_bundled_dataset()):
        print(iri)
