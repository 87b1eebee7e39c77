"""Dutch full-text search: case, accents, stemming, hyphenated line breaks, compounds."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kringloop.search import MAX_QUERY, SearchIndex, normalise, stems
from tests.browse.browsekit import activity_texts


def index_of(**documents: str) -> SearchIndex:
    return SearchIndex.build((name, [text]) for name, text in documents.items())


def test_normalise_folds_case_and_accents_and_joins_broken_words() -> None:
    assert normalise("Ídeeën CAFÉ") == "ideeen cafe"
    assert normalise("duurzaam bodemge-\nbruik") == "duurzaam bodemgebruik"
    # a hyphen inside a line stays a word break
    assert normalise("Noord-Holland") == "noord-holland"


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("verkenning", "Kansen verkennen voor hergebruik"),
        ("verkennen", "De verkenning van kansen"),
        ("VERKENNING", "de verkenning"),
        ("ideeen", "Ideeën voor de regio"),
        ("idéeën", "ideeen voor de regio"),
        ("cafe", "Circulair café"),
        ("bodemgebruik", "duurzaam bodemge-\nbruik"),
        ("water", "Waterbesparing door consumenten"),
        ("waterschap", "samen met waterschappen"),
    ],
)
def test_query_finds_its_dutch_variants(query: str, text: str) -> None:
    assert index_of(hit=text, other="iets heel anders").search(query) == {"hit"}


def test_all_words_must_match() -> None:
    index = index_of(one="circulaire bouw", two="circulaire inkoop")
    assert index.search("circulair") == {"one", "two"}
    assert index.search("circulaire inkoop") == {"two"}
    assert index.search("bouw inkoop") == set()


def test_short_words_do_not_match_as_prefixes() -> None:
    index = index_of(one="de bouw", two="debat over bouw")
    assert index.search("de") == {"one"}


def test_query_without_words_matches_everything_and_long_query_is_refused() -> None:
    index = index_of(one="a", two="b")
    assert index.search("  ?! ") == {"one", "two"}
    with pytest.raises(ValueError, match=str(MAX_QUERY)):
        index.search("x" * (MAX_QUERY + 1))


def test_stems_are_snowball_dutch() -> None:
    assert stems("verkenning verkennen") == ["verken", "verken"]


def test_search_on_the_bundled_activities(merged: Graph) -> None:
    texts = activity_texts(merged)
    index = SearchIndex.build(texts.items())
    found = index.search("verkenning")
    labels = {iri: next(iter(text)) for iri, text in texts.items()}
    # every hit has a form of the word; both forms occur among the hits
    assert all("verken" in normalise(" ".join(texts[iri])) for iri in found)
    assert any("verkennen" in normalise(labels[iri]) for iri in found)
    assert any("verkenning" in normalise(labels[iri]) for iri in found)
    assert index.search("Verkenning") == found == index.search("verkennen")
    # and no activity with the word is missed
    missed = {iri for iri, text in texts.items() if "verken" in normalise(" ".join(text))} - found
    assert not missed
