"""Fixtures shared by every test: the project's own files and the source text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

from kringloop.graphs import load_bundled_dataset
from kringloop.paths import project_root, source_text_path


@pytest.fixture(scope="session")
def root() -> Path:
    return project_root()


@pytest.fixture(scope="session")
def source_lines() -> list[str]:
    """The agenda's source text; ``source_lines[n - 1]`` is line ``n``."""
    return source_text_path().read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    """Every bundled graph, parsed fresh once per session. Do not modify it."""
    return load_bundled_dataset()
