"""``kringloop validate``: the real command on the real data and on broken files."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize
from rdflib import Dataset, Graph
from rdflib.namespace import RDF, RDFS

from kringloop.cli import main
from kringloop.graphs import AGENDA, VOCABULARIES
from kringloop.validation import SH, SHAPES
from kringloop.vocab import KL

EXAMPLES = Path(__file__).parents[1] / "shapes" / "examples"
KRINGLOOP = Path(sys.executable).with_name("kringloop")
BROKEN_COPY = EXAMPLES / "activiteit-zonder-thema.ttl"
BROKEN_FOCUS = "https://w3id.org/kringloop/id/activiteit/gebiedsgericht-circulair-ontwerpen-kopie"


def bundled_data_files(root: Path) -> list[Path]:
    return [*VOCABULARIES.files(root), *AGENDA.files(root)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_clean_error(err: str) -> None:
    assert err.startswith("kringloop validate: ")
    assert "Traceback" not in err


def test_bundled_data_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0, out
    assert out.startswith("De gegevens voldoen aan de shapes.")
    assert err == ""


def test_english_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--lang", "en")
    assert code == 0
    assert out.startswith("The data conforms to the shapes.")


def test_json_report_parses_and_counts_agree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["conforms"] is True
    assert report["counts"]["Violation"] == 0
    assert report["counts"]["Warning"] == sum(
        1 for result in report["results"] if result["severity"] == "Warning"
    )


def test_turtle_report_is_a_shacl_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "turtle")
    report = Graph().parse(data=out, format="turtle")
    assert code == 0
    assert (None, RDF.type, SH.ValidationReport) in report


def test_explicit_files_give_the_same_verdict(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    code, out, _ = run(capsys, *map(str, bundled_data_files(root)))
    assert code == 0, out


def test_broken_copy_does_not_conform(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttl"
    shutil.copy(BROKEN_COPY, broken)
    code, out, _ = run(capsys, "--lang", "en", *map(str, bundled_data_files(root)), str(broken))
    assert code == 1
    assert out.startswith("The data does NOT conform to the shapes.\n1 violation(s)")
    assert "id:activiteit/gebiedsgericht-circulair-ontwerpen-kopie" in out
    assert '"Gebiedsgericht circulair ontwerpen"' in out  # the focus node's label
    assert "klsh:ActiviteitThemaShape" in out


def test_broken_copy_in_json(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttl"
    shutil.copy(BROKEN_COPY, broken)
    code, out, _ = run(capsys, "--format", "json", *map(str, bundled_data_files(root)), str(broken))
    report = json.loads(out)
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert code == 1
    assert report["conforms"] is False
    assert [(v["focusNode"]["value"], v["sourceShape"]["value"]) for v in violations] == [
        (BROKEN_FOCUS, str(SHAPES.ActiviteitThemaShape))
    ]
    assert violations[0]["message"]["nl"].startswith("Een activiteit heeft precies één kl:thema")
    assert violations[0]["message"]["en"].startswith("An activity has exactly one kl:thema")


@pytest.mark.parametrize(
    "rdf_format",
    [RdfFormat.N_TRIPLES, RdfFormat.N_QUADS, RdfFormat.TRIG, RdfFormat.JSON_LD, RdfFormat.RDF_XML],
    ids=lambda rdf_format: rdf_format.file_extension,
)
def test_every_format_gives_the_same_verdict(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path, rdf_format: RdfFormat
) -> None:
    """The same data (written by Oxigraph) in each format: the same single violation."""
    quads = [
        Quad(triple.subject, triple.predicate, triple.object, NamedNode(path.as_uri()))
        for path in [*bundled_data_files(root), BROKEN_COPY]
        for triple in parse(path=str(path), format=RdfFormat.TURTLE)
    ]
    target = tmp_path / f"all.{rdf_format.file_extension}"
    if rdf_format.supports_datasets:
        serialize(quads, str(target), format=rdf_format)
    else:
        serialize([quad.triple for quad in quads], str(target), format=rdf_format)
    code, out, err = run(capsys, "--format", "json", str(target))
    assert code == 1, err
    violations = [r for r in json.loads(out)["results"] if r["severity"] == "Violation"]
    assert code == 1
    assert [v["focusNode"]["value"] for v in violations] == [BROKEN_FOCUS]


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttl"
    code, out, err = run(capsys, str(missing))
    assert code == 2
    assert out == ""
    assert err == f"kringloop validate: {missing}: no such file\n"


def test_unknown_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data.txt"
    data.write_text("<a> <b> <c> .\n")
    code, _, err = run(capsys, str(data))
    assert code == 2
    assert_clean_error(err)
    assert "unknown RDF format" in err


@pytest.mark.parametrize(
    ("name", "content", "line", "column"),
    [
        (
            "bad.ttl",
            "@prefix kl: <https://w3id.org/kringloop/def#> .\n"
            "<https://w3id.org/kringloop/id/activiteit/a> a kl:Activiteit ;\n"
            '    kl:label "unterminated .\n',
            3,
            14,
        ),
        (
            "bad.nt",
            "<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n<x> y z .\n",
            2,
            1,
        ),
        ("bad.nq", "<http://a.example/s> <http://a.example/p> .\n", 1, 43),
        ("bad.trig", "@prefix ex: <http://a.example/> .\nex:g {\n  ex:s ex:p ex:o ;\n", 4, 1),
        ("bad.jsonld", '{"@id": "http://a.example/s",\n "http://a.example/p": [1,\n}\n', 3, 1),
        (
            "bad.rdf",
            '<?xml version="1.0"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about="http://a.example/s"></rdf:RDF>\n',
            3,
            52,
        ),
    ],
)
def test_malformed_file_names_line_and_column(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: str,
    line: int,
    column: int,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, str(path))
    assert code == 2
    assert out == ""
    assert_clean_error(err)
    assert err.startswith(f"kringloop validate: {path}: line {line}, column {column}: "), err


ENTITY_BOMB = (
    '<?xml version="1.0"?>\n'
    "<!DOCTYPE rdf:RDF [\n"
    f'  <!ENTITY a "{"a" * 80}">\n'
    + "".join(f'  <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + "]>\n"
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
    '         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
    '  <rdf:Description rdf:about="http://a.example/s"><rdfs:label>&j;</rdfs:label>'
    "</rdf:Description>\n"
    "</rdf:RDF>\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_rdfxml_entity_bomb_is_refused_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, encoding: str
) -> None:
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(ENTITY_BOMB, encoding=encoding)
    code, _, err = run(capsys, str(bomb))
    assert code == 2
    assert_clean_error(err)
    assert f"{bomb}: line 2, column 1: DOCTYPE and ENTITY declarations are not accepted" in err


def test_jsonld_remote_context_is_not_fetched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        document = tmp_path / "remote.jsonld"
        document.write_text(
            json.dumps(
                {"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": "http://a.example/s"}
            )
        )
        code, _, err = run(capsys, str(document))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert code == 2
    assert_clean_error(err)
    assert "remote JSON-LD context" in err


def test_custom_shapes_file(capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix kl: <https://w3id.org/kringloop/def#> .\n"
        "@prefix ex: <http://a.example/> .\n"
        "ex:EveryActivityHasAPartner a sh:NodeShape ; sh:targetClass kl:Activiteit ;\n"
        "  sh:property [ sh:path kl:partner ; sh:minCount 1 ;\n"
        '    sh:message "Noemt een partner."@nl, "Names a partner."@en ] .\n'
    )
    code, out, _ = run(capsys, "--shapes", str(shapes), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["counts"]["Violation"] > 0
    assert {r["message"]["en"] for r in report["results"]} == {"Names a partner."}


def test_malformed_shapes_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y .\n")
    code, _, err = run(capsys, "--shapes", str(shapes))
    assert code == 2
    assert_clean_error(err)
    assert re.search(r"shapes\.ttl: line 2, column \d+: ", err)


def test_console_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(KRINGLOOP), "validate", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conforms"] is True
    missing = tmp_path / "nope.ttl"
    done = subprocess.run(
        [str(KRINGLOOP), "validate", str(missing)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr == f"kringloop validate: {missing}: no such file\n"


def test_custom_shapes_with_a_sparql_constraint(
    capsys: pytest.CaptureFixture[str], bundled: Dataset
) -> None:
    """A partner's sh:sparql constraint runs (its query is parsed once, not per focus node)."""
    shapes = Path(__file__).parent / "sparql-shape.ttl"
    code, out, _ = run(capsys, "--shapes", str(shapes), "--format", "json")
    flagged = {r["focusNode"]["value"] for r in json.loads(out)["results"]}
    activities = {s for s, _p, _o, _g in bundled.quads((None, RDF.type, KL.Activiteit, None))}
    expected = {
        str(activity)
        for activity in activities
        for _s, _p, label, _g in bundled.quads((activity, RDFS.label, None, None))
        if "Verkenning" in str(label)
    }
    assert expected, "the data has activities whose label holds 'Verkenning'"
    assert code == 1
    assert flagged == expected
