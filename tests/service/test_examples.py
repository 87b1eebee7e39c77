"""The curated queries as examples (``kringloop.views``): the real files and broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.plugins.sparql import prepareQuery

from kringloop.errors import ConfigurationError
from kringloop.views import load_view, load_views

GOOD = """\
#+ title: Activiteiten per thema
#+ title_en: Activities per theme
#+ description: Hoeveel activiteiten elk thema heeft.
#+ params:
#+   thema: {type: iri, class: kl:Thema, required: true}
#+ tags: [agenda, overzicht]

PREFIX kl: <https://w3id.org/kringloop/def#>
# a comment in the query stays
SELECT ?activiteit WHERE { ?activiteit kl:thema ?thema }
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_curated_query_is_an_example(root: Path) -> None:
    files = sorted((root / "queries").glob("*.rq"))
    examples = load_views()
    assert [example.name for example in examples] == [path.stem for path in files]
    for example, path in zip(examples, files, strict=True):
        assert example.title
        assert example.text in path.read_text(encoding="utf-8")
        assert not example.text.startswith("#+")
        prepareQuery(example.text)  # valid SPARQL as written, parameters unbound


def test_header_and_query_are_read(tmp_path: Path) -> None:
    example = load_view(write(tmp_path, "per-thema.rq", GOOD))
    assert example.name == "per-thema"
    assert example.title == "Activiteiten per thema"
    assert example.title_en == "Activities per theme"
    assert example.description == "Hoeveel activiteiten elk thema heeft."
    assert example.description_en is None
    assert [param.name for param in example.params] == ["thema"]
    assert example.params[0].class_iri == "https://w3id.org/kringloop/def#Thema"
    assert example.params[0].required
    assert example.tags == ("agenda", "overzicht")
    assert example.text.startswith("PREFIX kl:")
    assert "# a comment in the query stays" in example.text
    assert example.text.endswith("?thema }")


def test_english_falls_back_to_dutch(tmp_path: Path) -> None:
    example = load_view(write(tmp_path, "per-thema.rq", GOOD))
    assert example.title_in("en") == ("Activities per theme", "en")
    assert example.title_in("nl") == ("Activiteiten per thema", "nl")
    assert example.description_in("en") == ("Hoeveel activiteiten elk thema heeft.", "nl")


def test_examples_are_sorted_by_name(tmp_path: Path) -> None:
    write(tmp_path, "b-tweede.rq", GOOD)
    write(tmp_path, "a-eerste.rq", GOOD)
    write(tmp_path, "notities.txt", "not a query")
    assert [example.name for example in load_views(tmp_path)] == ["a-eerste", "b-tweede"]


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_views(tmp_path / "nergens")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("#+ title: [niet gesloten\nASK {}\n", "not valid YAML"),
        ("#+ - een\n#+ - lijst\nASK {}\n", "not a YAML mapping"),
        ("ASK {}\n", "no #\\+ header"),
        ("#+ description: zonder titel\nASK {}\n", "no title"),
        ("#+ title: ''\nASK {}\n", "title is empty"),
        ("#+ title: 12\nASK {}\n", "title must be text"),
        ("#+ title: Goed\n#+ titel: typefout\nASK {}\n", "unknown header key\\(s\\) titel"),
        ("#+ title: Goed\n\n", "no query below the header"),
        ("#+ title: Goed\nASK {}\n#+ tags: [laat]\n", "line 3: a #\\+ line below the header"),
        ("#+ title: Goed\n#+ params: [thema]\nASK {}\n", "params must map"),
        ("#+ title: Goed\n#+ params: {'?x': {}}\nASK {}\n", "not a SPARQL variable name"),
        ("#+ title: Goed\n#+ params: {x: iri}\nASK {}\n", "declaration of x must be a mapping"),
        ("#+ title: Goed\n#+ tags: agenda\nASK {}\n", "tags must be a list"),
    ],
    ids=[
        "bad-yaml",
        "not-a-mapping",
        "no-header",
        "no-title",
        "empty-title",
        "title-not-text",
        "unknown-key",
        "no-query",
        "late-header-line",
        "params-not-a-mapping",
        "bad-variable",
        "declaration-not-a-mapping",
        "tags-not-a-list",
    ],
)
def test_broken_header_names_the_file(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path, "kapot.rq", text)
    with pytest.raises(ConfigurationError, match=rf"^kapot\.rq: .*{reason}"):
        load_view(path)
    with pytest.raises(ConfigurationError, match=r"^kapot\.rq: "):
        load_views(tmp_path)


def test_bad_file_name_and_encoding_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"^Hoofd Letters\.rq: the file name"):
        load_view(write(tmp_path, "Hoofd Letters.rq", GOOD))
    latin = tmp_path / "latijn.rq"
    latin.write_bytes("#+ title: café\nASK {}\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match=r"^latijn\.rq: not valid UTF-8"):
        load_view(latin)
