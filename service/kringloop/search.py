"""Full-text search over the activities' labels, source texts and descriptions, in Dutch.

Text and query are normalised the same way: Unicode compatibility form, accents
removed (é = e, ë = e), lower case (``casefold``), words of letters and digits, a word
broken over a line by the source's hyphenation (``bodemge-\\nbruik``) joined again, and
every word reduced to its stem by the Snowball Dutch stemmer (``verkenning`` and
``verkennen`` both become ``verken``). An activity matches when every word of the query
matches one of its words: the same stem, or (for a stem of at least
``PREFIX_MIN`` characters) the start of one of its stems, so that ``water`` also finds
the Dutch compounds ``waterbesparing`` and ``waterschappen``.

The index is built in memory from the catalogue (:mod:`kringloop.facets`); it holds
only each activity's set of stems.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer  # type: ignore[import-untyped]

#: A query stem this long or longer also matches the stems it begins.
PREFIX_MIN = 4
#: Longest query accepted (characters).
MAX_QUERY = 200
_WORD = re.compile(r"[^\W_]+")
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
_STEMMER = snowballstemmer.stemmer("dutch")


def normalise(text: str) -> str:
    """``text`` without accents, in lower case, with hyphenated line breaks joined."""
    joined = _HYPHEN_BREAK.sub(r"\1\2", text)
    decomposed = unicodedata.normalize("NFKD", joined)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped.casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def stems(text: str) -> list[str]:
    """The stems of the words of ``text``, in order."""
    return [str(stem) for stem in _STEMMER.stemWords(words(text))]


@dataclass(frozen=True)
class SearchIndex:
    """Each activity's stems."""

    stems: dict[str, frozenset[str]]

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Iterable[str]]]) -> SearchIndex:
        """An index of (activity IRI, its texts) pairs."""
        index: dict[str, frozenset[str]] = {}
        for iri, texts in documents:
            found: set[str] = set(index.get(iri, frozenset()))
            for text in texts:
                found.update(stems(text))
            index[iri] = frozenset(found)
        return cls(index)

    def search(self, query: str) -> set[str]:
        """The IRIs of the activities that match every word of ``query``.

        A query without words (empty, or only punctuation) matches every activity.
        """
        if len(query) > MAX_QUERY:
            raise ValueError(f"the search text is longer than {MAX_QUERY} characters")
        wanted = set(stems(query))
        return {iri for iri, own in self.stems.items() if all(_hit(w, own) for w in wanted)}


def _hit(stem: str, own: frozenset[str]) -> bool:
    if stem in own:
        return True
    return len(stem) >= PREFIX_MIN and any(word.startswith(stem) for word in own)
