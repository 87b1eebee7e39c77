"""The facet logic on a small catalogue: OR within a facet, AND across, counts, groups."""

from __future__ import annotations

import pytest

from kringloop.errors import BadRequestError
from kringloop.facets import FACET_NAMES, Activity, Catalogue, read_filters, select


def activity(iri: str, **values: set[str]) -> Activity:
    return Activity(iri, {name: frozenset(values.get(name, set())) for name in FACET_NAMES})


CATALOGUE = Catalogue(
    activities=(
        activity("a1", thema={"bodem"}, kolom={"zeker"}, partner={"waterschappen"}),
        activity("a2", thema={"bodem"}, kolom={"mogelijk"}, partner={"agv"}),
        activity("a3", thema={"bouw"}, kolom={"zeker"}, rstrategie={"r1", "r2"}),
        activity("a4", thema={"bouw"}, kolom={"zeker"}, partner={"gemeente"}),
    ),
    labels={
        "a1": {"nl": "Eerste"},
        "a2": {"nl": "Tweede"},
        "a3": {"nl": "Derde"},
        "a4": {"nl": "Vierde"},
        "bodem": {"nl": "Bodem", "en": "Soil"},
        "waterschappen": {"nl": "waterschappen", "en": "water boards"},
    },
    groups={"waterschappen": frozenset({"agv"})},
)


def counts(facet: str, chosen: dict[str, set[str]]) -> dict[str, int]:
    result = next(r for r in select(CATALOGUE, chosen, "nl").facets if r.facet.name == facet)
    return {value.iri: value.count for value in result.values}


def iris(chosen: dict[str, set[str]], among: set[str] | None = None) -> list[str]:
    return [a.iri for a in select(CATALOGUE, chosen, "nl", among).activities]


def test_values_within_a_facet_are_or_and_facets_are_and() -> None:
    assert iris({"thema": {"bodem", "bouw"}}) == ["a3", "a1", "a2", "a4"]  # by label
    assert iris({"thema": {"bodem"}, "kolom": {"zeker"}}) == ["a1"]
    assert iris({"thema": {"bouw"}, "rstrategie": {"r2"}}) == ["a3"]
    assert iris({"thema": {"bodem"}, "rstrategie": {"r2"}}) == []


def test_counts_follow_the_other_facets() -> None:
    assert counts("kolom", {}) == {"zeker": 3, "mogelijk": 1}
    assert counts("kolom", {"thema": {"bodem"}}) == {"zeker": 1, "mogelijk": 1}
    # a facet's own choice does not shrink its counts (another value is an OR)
    assert counts("thema", {"thema": {"bodem"}}) == {"bodem": 2, "bouw": 2}
    assert counts("thema", {"kolom": {"mogelijk"}}) == {"bodem": 1}


def test_a_partner_group_matches_its_members() -> None:
    assert iris({"partner": {"waterschappen"}}) == ["a1", "a2"]
    assert counts("partner", {"kolom": {"zeker"}})["waterschappen"] == 1
    listed = next(r for r in select(CATALOGUE, {}, "en").facets if r.facet.name == "partner")
    assert listed.values[0].iri == "waterschappen"  # groups first
    assert listed.values[0].group and listed.values[0].label == "water boards"


def test_search_hits_narrow_the_activities_and_the_counts() -> None:
    assert iris({}, among={"a1", "a3"}) == ["a3", "a1"]
    assert counts("thema", {}) == {"bodem": 2, "bouw": 2}
    result = select(CATALOGUE, {}, "nl", {"a1"})
    thema = next(r for r in result.facets if r.facet.name == "thema")
    assert {v.iri: v.count for v in thema.values} == {"bodem": 1}


def test_labels_fall_back_to_dutch_then_the_iri() -> None:
    assert CATALOGUE.label("bodem", "en") == "Soil"
    assert CATALOGUE.label("a1", "en") == "Eerste"
    assert CATALOGUE.label("zeker", "nl") == "zeker"


def test_unknown_values_are_refused_with_the_facet_named() -> None:
    assert read_filters({"thema": ["bodem", ""], "kolom": []}, CATALOGUE) == {"thema": {"bodem"}}
    with pytest.raises(BadRequestError, match="facet rol") as caught:
        read_filters({"rol": ["bodem"]}, CATALOGUE)
    assert caught.value.extra["parameter"] == "rol"
