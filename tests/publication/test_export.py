"""``kringloop export``: the same files the service serves, written as static files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from kringloop import create_app
from kringloop.dumps import CSV_TABLES, all_dumps
from kringloop.graphs import BUNDLED
from kringloop.settings import Settings

BASE = "http://127.0.0.1:8123/"


def kringloop(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kringloop", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "site"
    done = kringloop("export", "--no-pages", "--out", str(out), "--base", BASE)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    return out


def test_export_writes_every_file_the_service_serves(exported: Path) -> None:
    expected = {f"dumps/{dump.file_name}" for dump in all_dumps()}
    expected |= {f"dumps/{table.file_name}" for table in CSV_TABLES}
    expected |= {"context.jsonld"} | {f"catalogus.{s}" for s in ("ttl", "nt", "jsonld", "rdf")}
    written = {str(path.relative_to(exported)) for path in exported.rglob("*") if path.is_file()}
    assert written == expected


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
def test_exported_files_equal_the_served_ones(exported: Path) -> None:
    client = create_app(Settings(log_level="error")).test_client()
    for dump in all_dumps():
        response = client.get(f"/dumps/{dump.file_name}")
        assert response.status_code == 200, dump.file_name
        written = (exported / "dumps" / dump.file_name).read_bytes()
        if dump.format.suffix == "jsonld":  # rdflib's JSON-LD order and labels vary per process
            assert isomorphic(
                Graph().parse(data=written, format="json-ld"),
                Graph().parse(data=response.get_data(), format="json-ld"),
            ), dump.file_name
        else:
            assert written == response.get_data(), dump.file_name
    assert (exported / "context.jsonld").read_bytes() == client.get("/context.jsonld").get_data()
    for table in CSV_TABLES:
        served = client.get(f"/dumps/{table.file_name}").get_data()
        assert (exported / "dumps" / table.file_name).read_bytes() == served


def test_exported_catalogue_uses_the_given_base(exported: Path) -> None:
    graph = Graph().parse(exported / "catalogus.ttl", format="turtle")
    catalogue = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert catalogue == URIRef(f"{BASE}catalogus")
    downloads = {str(url) for url in graph.objects(None, DCAT.downloadURL)}
    assert f"{BASE}dumps/kringloop.trig" in downloads
    assert all(url.startswith(BASE) for url in downloads)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert {URIRef(source.iri) for source in BUNDLED} <= datasets


def test_export_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    refused = kringloop("export", "--no-pages", "--out", str(tmp_path))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]
    forced = kringloop("export", "--no-pages", "--out", str(tmp_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "dumps" / "kringloop.nq").stat().st_size > 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--base", "ftp://example.org/"), "--base must be an http(s) URL"),
        (("--base", "https://example.org/<x>"), "--base must be an http(s) URL"),
    ],
)
def test_export_explains_bad_arguments(
    tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    done = kringloop("export", "--no-pages", "--out", str(tmp_path / "out"), *arguments)
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out").exists()


def test_export_into_a_file_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    done = kringloop("export", "--no-pages", "--out", str(target))
    assert done.returncode == 2
    assert "is not a directory" in done.stderr
