"""Where the bundled ontology, data, shapes and queries live.

This is the only module that knows the layout. In a normal (non-editable)
install the four folders are installed inside the package (``itops/ontology``,
``itops/data``, ...); in a source checkout they sit at the repository root.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

Folder = Literal["ontology", "data", "shapes", "queries"]

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(folder: Folder) -> Traversable:
    """Return the folder ``folder`` of bundled resources, installed or in a checkout."""
    installed = files("itops").joinpath(folder)
    if installed.is_dir():
        return installed
    source = _SOURCE_ROOT / folder
    if source.is_dir():
        return source
    raise FileNotFoundError(f"itops: bundled folder {folder!r} is missing from the installation")


def resource_files(folder: Folder, suffix: str) -> list[Traversable]:
    """Return the files of ``folder`` ending in ``suffix``, sorted by name."""
    return sorted(
        (f for f in resource_dir(folder).iterdir() if f.name.endswith(suffix) and f.is_file()),
        key=lambda f: f.name,
    )
