"""Synthetic partner graphs shaped like the agenda, for benchmarks.

A partner graph holds a partner's own agenda: activities with a label, a theme, a
column, sometimes a grouping, the partners they name, a source reference, and curated
interpretations (R-strategy, provincial role, goal, life-cycle phase) recorded the way
``docs/model.md`` prescribes and the bundled interpretations do (a ``kl:Interpretatie``
per activity and aspect, sometimes "none applies", plus the direct triples), typed as
the bundled data is (``prov:Entity`` beside the Kringloop class, ``prov:Agent`` beside
``org:Organization``).

Concepts (themes, groupings, columns, R-strategies, roles, goals) are the real ones of
the bundled vocabularies, so the curated views join partner data with the bundled
labels exactly as they will on a real partner upload. A concept class the vocabularies
do not (yet) hold is replaced by a few minted ``bench-`` concepts and reported.

Output is deterministic for a given seed and size: the same bytes on every run.

With ``--partner REF`` the graph is one that partner could upload through the gate: its
subjects are minted in the partner namespace ``{ID}partner/{ref}/{type}/{slug}``, it goes
in the partner's graph ``{GRAPH}partner-{ref}``, and it follows the partner profile of
``docs/model.md`` ("Partner data"): no agenda edition, no ``kl:bron`` into the agenda; the
activities cite the partner's own (synthetic) work plan with ``dcterms:source``. It
conforms to ``shapes/`` with the ontology, vocabularies and agenda as context.

    python -m bench.synthetic --sizes 10k,100k,1M
    python -m bench.synthetic --sizes 100k --partner bench
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Dataset, URIRef
from rdflib.namespace import SKOS

from bench.words import OBJECTS, ORG_KINDS, ORG_NAMES, PLACES, VERBS
from kringloop.graphs import load_bundled_dataset
from kringloop.vocab import GRAPH, ID, KL

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_SEED = 20211

SIZES: dict[str, int] = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}

#: A partner reference (docs/model.md, "Partner data").
PARTNER_REF = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

RDF_TYPE = str(RDF.type)
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = str(SKOS.prefLabel)
DCT_IS_PART_OF = "http://purl.org/dc/terms/isPartOf"
DCT_TITLE = "http://purl.org/dc/terms/title"
DCT_SOURCE = "http://purl.org/dc/terms/source"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
FOAF_PAGE = "http://xmlns.com/foaf/0.1/page"
PROV_ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
PROV_GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
PROV_ENTITY = "http://www.w3.org/ns/prov#Entity"
PROV_AGENT = "http://www.w3.org/ns/prov#Agent"
ORG_ORGANIZATION = "http://www.w3.org/ns/org#Organization"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: (class, minted type segment) of the concepts an activity refers to.
_CONCEPT_CLASSES: dict[str, tuple[URIRef, str]] = {
    "thema": (KL.Thema, "thema"),
    "groepering": (KL.Groepering, "groepering"),
    "kolom": (KL.Kolom, "kolom"),
    "r-strategie": (KL.RStrategie, "r-strategie"),
    "rol": (KL.ProvincialeRol, "rol"),
    "doel": (KL.Doel, "doel"),
    "levenscyclusfase": (KL.Levenscyclusfase, "levenscyclusfase"),
}


@dataclass(frozen=True)
class Concepts:
    """The concept IRIs the generator draws from, sorted for determinism."""

    by_kind: dict[str, tuple[str, ...]]
    groupings_by_theme: dict[str, tuple[str, ...]]
    minted: tuple[str, ...] = field(default=())

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Concepts:
        """Concepts of every graph of ``dataset`` (not only its default graph)."""
        by_kind: dict[str, tuple[str, ...]] = {}
        minted: list[str] = []
        for kind, (klass, segment) in _CONCEPT_CLASSES.items():
            found = sorted({str(s) for s, _, _, _ in dataset.quads((None, RDF.type, klass, None))})
            if not found:
                found = [str(ID[f"{segment}/bench-{i}"]) for i in range(1, 4)]
                minted.append(kind)
            by_kind[kind] = tuple(found)
        groupings: dict[str, set[str]] = {}
        known = set(by_kind["groepering"])
        for narrower, _, broader, _ in dataset.quads((None, SKOS.broader, None, None)):
            if str(narrower) in known:
                groupings.setdefault(str(broader), set()).add(str(narrower))
        for broader, _, narrower, _ in dataset.quads((None, SKOS.narrower, None, None)):
            if str(narrower) in known:
                groupings.setdefault(str(broader), set()).add(str(narrower))
        return cls(
            by_kind=by_kind,
            groupings_by_theme={theme: tuple(sorted(gs)) for theme, gs in groupings.items()},
            minted=tuple(minted),
        )

    @classmethod
    def bundled(cls) -> Concepts:
        return cls.from_dataset(load_bundled_dataset())


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    cleaned = text.strip()
    if cleaned in SIZES:
        return SIZES[cleaned]
    multiplier = 1
    if cleaned[-1:] in ("k", "K"):
        multiplier, cleaned = 1_000, cleaned[:-1]
    elif cleaned[-1:] in ("m", "M"):
        multiplier, cleaned = 1_000_000, cleaned[:-1]
    if not cleaned.isdigit() or int(cleaned) <= 0:
        raise ValueError(f"not a size: {text!r} (use e.g. 10k, 100k, 1M or a number)")
    return int(cleaned) * multiplier


def size_label(triples: int) -> str:
    """The inverse of :func:`parse_size` for round sizes: 10000 -> ``10k``."""
    if triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples % 1_000 == 0:
        return f"{triples // 1_000}k"
    return str(triples)


def graph_iri(label: str, partner: str | None = None) -> str:
    """The bench graph of a size; with ``partner``, that partner's own graph."""
    if partner is not None:
        return str(GRAPH[f"partner-{check_partner_ref(partner)}"])
    return str(GRAPH[f"bench-partner-{label.lower()}"])


def check_partner_ref(ref: str) -> str:
    if not PARTNER_REF.match(ref):
        raise ValueError(
            f"not a partner reference: {ref!r} (lowercase letters, digits and single '-', "
            "e.g. cirkelregio-utrecht)"
        )
    return ref


def partner_namespace(ref: str) -> str:
    """Where a partner's subjects live: ``{ID}partner/{ref}/``."""
    return str(ID[f"partner/{check_partner_ref(ref)}/"])


def _iri(value: str) -> str:
    return f"<{value}>"


def _literal(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


Triple = tuple[str, str, str]


class PartnerGraphGenerator:
    """Yields the triples of one synthetic partner graph, in N-Triples term syntax.

    ``partner`` (a partner reference) mints every subject in that partner's namespace and
    follows the partner profile; without it the output is the agenda-shaped bench graph.
    """

    def __init__(
        self,
        concepts: Concepts,
        label: str,
        seed: int = DEFAULT_SEED,
        *,
        partner: str | None = None,
    ) -> None:
        self.concepts = concepts
        self.label = label.lower()
        self.random = random.Random(f"{seed}-{self.label}")
        self.namespace = partner_namespace(partner) if partner is not None else None
        if self.namespace is not None and concepts.minted:
            raise ValueError(
                "a partner graph uses the vocabularies' own concepts; these classes have none: "
                + ", ".join(concepts.minted)
            )

    def _mint(self, segment: str, ref: str) -> str:
        """``{ID}{segment}/{ref}``, or ``{ID}partner/{partner}/{segment}/{ref}``."""
        if self.namespace is not None:
            return f"{self.namespace}{segment}/{ref}"
        return str(ID[f"{segment}/{ref}"])

    def triples(self, target: int) -> Iterator[Triple]:
        """Triples until at least ``target`` are out, ending on a whole activity."""
        rng = self.random
        if self.namespace is None:
            ref = f"bench-{self.label}"
            edition = str(ID[f"agenda/{ref}"])
            curator = str(ID[f"organisatie/{ref}-redactie"])
            head: list[Triple] = [
                (_iri(edition), _iri(RDF_TYPE), _iri(str(KL.Agendaeditie))),
                (
                    _iri(edition),
                    _iri(DCT_TITLE),
                    _literal(f"Partneragenda {self.label}", lang="nl"),
                ),
                (_iri(curator), _iri(RDF_TYPE), _iri(ORG_ORGANIZATION)),
                (_iri(curator), _iri(RDF_TYPE), _iri(PROV_AGENT)),
                (_iri(curator), _iri(SKOS_PREF_LABEL), _literal("Redactie partner", lang="nl")),
            ]
        else:
            # Partner profile: the partner's own work plan instead of an agenda edition.
            ref = self.label
            edition = self._mint("document", f"werkplan-{self.label}")
            curator = self._mint("organisatie", "redactie")
            head = [
                (_iri(edition), _iri(RDF_TYPE), _iri(FOAF_DOCUMENT)),
                (_iri(edition), _iri(RDF_TYPE), _iri(PROV_ENTITY)),
                (_iri(edition), _iri(DCT_TITLE), _literal(f"Werkplan {self.label}", lang="nl")),
                (
                    _iri(edition),
                    _iri(FOAF_PAGE),
                    _iri(f"https://www.example.org/werkplan-{self.label}"),
                ),
                (_iri(curator), _iri(RDF_TYPE), _iri(ORG_ORGANIZATION)),
                (_iri(curator), _iri(RDF_TYPE), _iri(PROV_AGENT)),
                (_iri(curator), _iri(SKOS_PREF_LABEL), _literal("Redactie partner", lang="nl")),
                (_iri(curator), _iri(RDFS_LABEL), _literal("Redactie partner", lang="nl")),
            ]
        emitted = 0
        head += self._minted_concepts()
        yield from head
        emitted += len(head)
        # About 60 triples per activity; a partner organisation per ~8 activities.
        activities = max(1, target // 60)
        organisations = [self._organisation(ref, i) for i in range(1, max(8, activities // 8) + 1)]
        themes = self.concepts.by_kind["thema"]
        theme_weights = [1.0 / (rank + 1) for rank in range(len(themes))]
        introduced: set[int] = set()
        number = 0
        while emitted < target:
            number += 1
            theme = rng.choices(themes, weights=theme_weights)[0]
            partner_idx = self._partners(len(organisations))
            batch: list[Triple] = []
            for idx in partner_idx:
                if idx not in introduced:
                    introduced.add(idx)
                    batch.extend(organisations[idx][1])
            batch.extend(
                self._activity(ref, number, edition, curator, theme, organisations, partner_idx)
            )
            yield from batch
            emitted += len(batch)

    def _minted_concepts(self) -> list[Triple]:
        """Type and label the concepts minted for classes the vocabularies lack."""
        out: list[Triple] = []
        for kind in self.concepts.minted:
            klass = _CONCEPT_CLASSES[kind][0]
            for number, concept in enumerate(self.concepts.by_kind[kind], start=1):
                out += [
                    (_iri(concept), _iri(RDF_TYPE), _iri(str(klass))),
                    (_iri(concept), _iri(RDF_TYPE), _iri(str(SKOS.Concept))),
                    (_iri(concept), _iri(SKOS_PREF_LABEL), _literal(f"{kind} {number}", lang="nl")),
                ]
        return out

    def _organisation(self, ref: str, number: int) -> tuple[str, list[Triple]]:
        iri = self._mint("organisatie", f"{ref}-org-{number}")
        name = (
            f"{self.random.choice(ORG_KINDS)} {self.random.choice(ORG_NAMES)}"
            f"-{self.random.choice(ORG_NAMES).lower()} {number}"
        )
        return iri, [
            (_iri(iri), _iri(RDF_TYPE), _iri(ORG_ORGANIZATION)),
            (_iri(iri), _iri(RDF_TYPE), _iri(PROV_AGENT)),
            (_iri(iri), _iri(SKOS_PREF_LABEL), _literal(name, lang="nl")),
            (_iri(iri), _iri(RDFS_LABEL), _literal(name, lang="nl")),
        ]

    def _partners(self, pool: int) -> list[int]:
        count = self.random.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
        # Skewed towards the first organisations: a few partners are everywhere.
        picked = {min(pool - 1, int(pool * self.random.random() ** 2)) for _ in range(count)}
        return sorted(picked)

    def _column(self, certain: bool) -> str:
        """The "zeker" column for 60% of activities, another column for the rest."""
        columns = self.concepts.by_kind["kolom"]
        zeker = [c for c in columns if c.endswith("/zeker")] or [columns[0]]
        others = [c for c in columns if c not in zeker] or zeker
        return zeker[0] if certain else others[0]

    def _activity(
        self,
        ref: str,
        number: int,
        edition: str,
        curator: str,
        theme: str,
        organisations: Sequence[tuple[str, list[Triple]]],
        partner_idx: Sequence[int],
    ) -> list[Triple]:
        rng = self.random
        kinds = self.concepts.by_kind
        activity_ref = f"{ref}-activiteit-{number}"
        activity = _iri(self._mint("activiteit", activity_ref))
        label = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)}"
        column = self._column(rng.random() < 0.6)
        out: list[Triple] = [
            (activity, _iri(RDF_TYPE), _iri(str(KL.Activiteit))),
            (activity, _iri(RDF_TYPE), _iri(PROV_ENTITY)),
            (activity, _iri(RDFS_LABEL), _literal(label, lang="nl")),
        ]
        if self.namespace is None:
            out.append((activity, _iri(DCT_IS_PART_OF), _iri(edition)))
        out += [
            (activity, _iri(str(KL.thema)), _iri(theme)),
            (activity, _iri(str(KL.kolom)), _iri(column)),
        ]
        groupings = self.concepts.groupings_by_theme.get(theme, ())
        if groupings and rng.random() < 0.6:
            out.append((activity, _iri(str(KL.groepering)), _iri(rng.choice(groupings))))
        for idx in partner_idx:
            out.append((activity, _iri(str(KL.partner)), _iri(organisations[idx][0])))
        if self.namespace is None:
            source = _iri(str(ID[f"bron/{activity_ref}"]))
            out += self._source_reference(activity, source, edition)
        else:
            source = _iri(edition)
            out.append((activity, _iri(DCT_SOURCE), source))
        # As in the bundled interpretations: every aspect has a record; for some the
        # editors found that none applies (then the record has no value).
        for aspect, prop, kind, most, none_share in (
            ("r-strategie", KL.rStrategie, "r-strategie", 2, 0.4),
            ("rol", KL.rol, "rol", 2, 0.0),
            ("doel", KL.doel, "doel", 3, 0.4),
            ("levenscyclusfase", KL.levenscyclusfase, "levenscyclusfase", 2, 0.4),
        ):
            record = _iri(self._mint("interpretatie", f"{activity_ref}-{aspect}"))
            out += [
                (record, _iri(RDF_TYPE), _iri(str(KL.Interpretatie))),
                (record, _iri(RDF_TYPE), _iri(PROV_ENTITY)),
                (record, _iri(str(KL.betreft)), activity),
                (record, _iri(str(KL.aspect)), _iri(str(prop))),
                (record, _iri(str(KL.toelichting)), _literal(f"Synthetisch: {aspect}", lang="nl")),
                (record, _iri(str(KL.toelichting)), _literal(f"Synthetic: {aspect}", lang="en")),
                (record, _iri(PROV_DERIVED), source),
                (record, _iri(PROV_ATTRIBUTED), _iri(curator)),
                (
                    record,
                    _iri(PROV_GENERATED),
                    _literal("2021-06-01T00:00:00Z", datatype=f"{XSD}dateTime"),
                ),
            ]
            if rng.random() < none_share:
                out.append(
                    (
                        record,
                        _iri(str(KL.nietVanToepassing)),
                        _literal("true", datatype=f"{XSD}boolean"),
                    )
                )
                continue
            count = min(len(kinds[kind]), rng.randint(1, most))
            for value in sorted(set(rng.sample(kinds[kind], k=count))):
                out.append((record, _iri(str(KL.waarde)), _iri(value)))
                out.append((activity, _iri(str(prop)), _iri(value)))
        return out

    def _source_reference(self, activity: str, source: str, edition: str) -> list[Triple]:
        """The agenda-style ``kl:bron`` of the default (non-partner) graph."""
        rng = self.random
        line = rng.randint(1, 5000)
        return [
            (activity, _iri(str(KL.bron)), source),
            (source, _iri(RDF_TYPE), _iri(str(KL.Bronverwijzing))),
            (source, _iri(RDF_TYPE), _iri(PROV_ENTITY)),
            (source, _iri(str(KL.document)), _iri(edition)),
            (source, _iri(str(KL.regelVan)), _literal(str(line), datatype=f"{XSD}positiveInteger")),
            (
                source,
                _iri(str(KL.regelTot)),
                _literal(str(line + rng.randint(0, 3)), datatype=f"{XSD}positiveInteger"),
            ),
        ]


@dataclass(frozen=True)
class GeneratedGraph:
    label: str
    graph: str
    triples: int
    nquads: Path
    ntriples: Path


def write_partner_graph(
    triples: int,
    out_dir: Path = OUT_DIR,
    *,
    concepts: Concepts | None = None,
    seed: int = DEFAULT_SEED,
    partner: str | None = None,
) -> GeneratedGraph:
    """Write one partner graph of about ``triples`` triples as N-Quads and N-Triples.

    With ``partner`` (a partner reference) the graph follows the partner profile, its
    subjects are in that partner's namespace and its files are ``partner-{ref}-{size}.*``.
    """
    label = size_label(triples)
    iri = graph_iri(label, partner)
    stem = f"bench-partner-{label.lower()}" if partner is None else f"partner-{partner}-{label}"
    generator = PartnerGraphGenerator(concepts or Concepts.bundled(), label, seed, partner=partner)
    out_dir.mkdir(parents=True, exist_ok=True)
    nquads = out_dir / f"{stem.lower()}.nq"
    ntriples = out_dir / f"{stem.lower()}.nt"
    count = 0
    graph_term = _iri(iri)
    with nquads.open("w", encoding="utf-8") as nq, ntriples.open("w", encoding="utf-8") as nt:
        for subject, predicate, obj in generator.triples(triples):
            nt.write(f"{subject} {predicate} {obj} .\n")
            nq.write(f"{subject} {predicate} {obj} {graph_term} .\n")
            count += 1
    return GeneratedGraph(label, iri, count, nquads, ntriples)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated, e.g. 10k,100k")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--partner",
        metavar="REF",
        help="mint the subjects in this partner's namespace (partner profile, e.g. bench)",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        if args.partner is not None:
            check_partner_ref(args.partner)
    except ValueError as error:
        print(f"bench.synthetic: {error}", file=sys.stderr)
        return 2
    concepts = Concepts.bundled()
    if concepts.minted:
        print(f"note: minted bench concepts for {', '.join(concepts.minted)}", file=sys.stderr)
    for size in sizes:
        made = write_partner_graph(
            size, args.out, concepts=concepts, seed=args.seed, partner=args.partner
        )
        print(f"{made.label}: {made.triples} triples -> {made.nquads}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
