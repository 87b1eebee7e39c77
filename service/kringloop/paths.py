"""Where the project's own files are."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The checkout that holds ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.

    ``KRINGLOOP_ROOT`` overrides it; by default it is the checkout the package was
    installed from (the README installs it in editable mode).
    """
    configured = os.environ.get("KRINGLOOP_ROOT")
    return Path(configured).resolve() if configured else _PACKAGE_ROOT


def source_text_path() -> Path:
    """The agenda's source text in the shared folder beside the checkout."""
    configured = os.environ.get("KRINGLOOP_SOURCE_TEXT")
    if configured:
        return Path(configured)
    return (
        project_root().parent
        / "shared"
        / "seed"
        / "uitvoeringsagenda-circulaire-samenleving-2021-2022.txt"
    )


def package_dir() -> Path:
    """The installed ``kringloop`` package (its ``templates/`` and ``static/``)."""
    return Path(__file__).resolve().parent
