"""The gate every write passes: ownership of the graphs and subjects, then SHACL.

A partner may write only the graphs the registry gives it, and may describe only
resources in its own namespaces (blank nodes are always its own): a partner graph can
therefore never restate, or contradict, what the province publishes about its own
activities. The administrator owns the province's graphs and may describe anything.

The SHACL check validates the resulting graphs together with the ontology, the
vocabularies and the agenda (the context their links point into); only the written
graphs' own subjects are checked, so an upload is judged on its own content.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from kringloop.errors import ForbiddenError
from kringloop.partners.registry import Registry
from kringloop.shaclfast import context_triples, validate_quads
from kringloop.shaclreport import ValidationReport

#: How many offending subjects a refusal names.
_NAMED = 5


def check_graphs(registry: Registry, owner: str, graphs: Iterable[str]) -> None:
    """Refuse (403) unless ``owner`` may write every one of ``graphs``."""
    refused = sorted(graph for graph in set(graphs) if not registry.may_write(owner, graph))
    if refused:
        listed = ", ".join(f"<{graph}>" for graph in refused[:_NAMED])
        raise ForbiddenError(
            f"this token may not write {listed}: a token writes only the graphs its owner "
            "holds in the partner registry",
            reason="graph-not-owned",
            graphs=refused,
        )


def check_subjects(
    registry: Registry, owner: str, contents: Mapping[str, Sequence[ox.Triple]]
) -> None:
    """Refuse (403) a partner's triples about resources outside its namespaces."""
    foreign: set[str] = set()
    for triples in contents.values():
        for triple in triples:
            subject = triple.subject
            if isinstance(subject, ox.NamedNode) and not registry.owns_subject(
                owner, subject.value
            ):
                foreign.add(subject.value)
    if foreign:
        named = sorted(foreign)
        partner = registry.get(owner)
        spaces = ", ".join(partner.namespaces) if partner else ""
        raise ForbiddenError(
            f"{len(named)} subject(s) lie outside this partner's namespaces ({spaces}), "
            f"e.g. <{named[0]}>: a partner describes only its own resources",
            reason="subject-not-owned",
            subjects=named[:_NAMED],
        )


def validate_contents(
    contents: Mapping[str, Sequence[ox.Triple]], context: Sequence[ox.Triple] | None = None
) -> ValidationReport:
    """SHACL-check the union of the resulting graphs against the project's shapes.

    ``context`` defaults to the bundled ontology, vocabularies and agenda;
    :func:`kringloop.validationcontext.context_for` gives the one for a data directory
    with later editions.
    """
    union: list[ox.Triple] = [triple for triples in contents.values() for triple in triples]
    return validate_quads(
        union, context=context_triples() if context is None else context, focus="data"
    )
