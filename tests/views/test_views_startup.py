"""A broken view stops ``kringloop serve`` at start-up, naming the file and the reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kringloop import create_app
from kringloop.errors import EXIT_ERROR, ConfigurationError
from kringloop.settings import Settings
from tests.service.servicekit import clean_environment, free_port

BROKEN = "#+ title: Kapot\n#+ params: {thema: {type: tekst}}\nSELECT * WHERE { ?a ?b ?thema }\n"


def broken_checkout(root: Path, tmp_path: Path) -> Path:
    """A copy of the checkout's queries (plus one broken view) beside links to its data."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("ontology", "data", "shapes"):
        (checkout / name).symlink_to(root / name)
    shutil.copytree(root / "queries", checkout / "queries")
    (checkout / "queries" / "zz-kapot.rq").write_text(BROKEN, encoding="utf-8")
    return checkout


def test_create_app_refuses_a_broken_view(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRINGLOOP_ROOT", str(broken_checkout(root, tmp_path)))
    with pytest.raises(ConfigurationError, match=r"^zz-kapot\.rq: params: thema has type 'tekst'"):
        create_app(Settings())


def test_serve_stops_at_start_up_with_the_file_and_reason(root: Path, tmp_path: Path) -> None:
    checkout = broken_checkout(root, tmp_path)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "kringloop",
            "serve",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path / "var"),
        ],
        env=clean_environment(KRINGLOOP_ROOT=str(checkout)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == EXIT_ERROR, completed.stdout + completed.stderr
    assert "zz-kapot.rq: params: thema has type 'tekst'" in completed.stdout + completed.stderr
