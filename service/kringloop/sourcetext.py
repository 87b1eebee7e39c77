"""Reading the agenda's extracted source text: joining wrapped lines into one label.

The PDF extraction breaks every table cell and heading over several lines. The
rules below turn those lines back into the text as printed (see
``shared/docs/source-guide.md``):

- every line is trimmed (soft wraps keep a trailing space in the extraction);
- a line that ends in a hyphen right after a letter, followed by a line that
  starts with a lower-case letter, is a hyphenation: the hyphen is dropped and the
  two parts are joined ("toe-" + "komstige" -> "toekomstige");
- a line that ends in such a hyphen followed by any other line keeps the hyphen
  and is joined without a space (a compound such as "Noord-" + "Holland");
- a line that ends in a slash is joined without a space: the slash was the break
  point ("economie/" + "samenleving" -> "economie/samenleving");
- every other wrap becomes a single space; a continuation that starts with a
  hyphen keeps it ("omgevingsvisie en" + "-verordening").

The source's spelling is kept as it is, typos included.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["join_wrapped_lines", "slug_words", "slugify"]


def _is_hyphenated(text: str) -> bool:
    """True when ``text`` ends in a word-internal hyphen ("toe-", not "en -")."""
    return len(text) >= 2 and text.endswith("-") and text[-2].isalnum()


def join_wrapped_lines(lines: Sequence[str]) -> str:
    """Join the wrapped lines of one item of the source into a single line of text.

    Blank lines are not expected inside one item and raise ``ValueError``, as does
    an empty sequence: either means the caller cut the item at the wrong lines.
    """
    if not lines:
        raise ValueError("join_wrapped_lines needs at least one line")
    parts = [line.strip() for line in lines]
    if any(not part for part in parts):
        raise ValueError(f"blank line inside one item: {list(lines)!r}")
    text = parts[0]
    for part in parts[1:]:
        if _is_hyphenated(text):
            text = text[:-1] + part if part[0].islower() else text + part
        elif text.endswith("/"):
            text = text + part
        else:
            text = f"{text} {part}"
    return text


_FOLD = str.maketrans(
    {
        "à": "a",
        "á": "a",
        "â": "a",
        "ä": "a",
        "è": "e",
        "é": "e",
        "ê": "e",
        "ë": "e",
        "ì": "i",
        "í": "i",
        "î": "i",
        "ï": "i",
        "ò": "o",
        "ó": "o",
        "ô": "o",
        "ö": "o",
        "ù": "u",
        "ú": "u",
        "û": "u",
        "ü": "u",
        "ç": "c",
        "ñ": "n",
        "&": " ",
    }
)
_APOSTROPHES = str.maketrans({"'": None, "\u2019": None, "\u2018": None})

#: Short Dutch function words (and the letters of abbreviations such as "o.a.") that
#: make a poor last word of a reference cut short.
_WEAK_LAST_WORDS = frozenset(
    {"a", "aan", "bij", "de", "en", "het", "i", "in", "met", "naar", "o", "of", "om", "op"}
    | {"over", "s", "te", "tot", "uit", "van", "voor"}
)


def slug_words(text: str) -> list[str]:
    """The lower-case ASCII words of ``text``, accents folded, apostrophes dropped."""
    folded = text.lower().translate(_APOSTROPHES).translate(_FOLD)
    words: list[str] = []
    current: list[str] = []
    for char in folded:
        if char.isascii() and char.isalnum():
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def slugify(text: str, max_words: int = 8, max_chars: int = 60) -> str:
    """A URI reference from the first words of ``text`` (docs/model.md's slug rule).

    At most ``max_words`` words and ``max_chars`` characters, cut at a word
    boundary; when the text had to be cut, short function words at the end are dropped
    ("...-voor-het-meten-van" -> "...-voor-het-meten"). The result matches
    ``^[a-z0-9]+(-[a-z0-9]+)*$``.
    """
    words = slug_words(text)
    if not words:
        raise ValueError(f"no word to make a reference from: {text!r}")
    kept = [words[0][:max_chars]]
    length = len(kept[0])
    for word in words[1:max_words]:
        if length + 1 + len(word) > max_chars:
            break
        kept.append(word)
        length += 1 + len(word)
    if len(kept) < len(words):
        while len(kept) > 1 and kept[-1] in _WEAK_LAST_WORDS:
            kept.pop()
    return "-".join(kept)
