"""Where the bundled data lives: from a checkout, an installed wheel and the packaged app alike.

``resources/`` always sits beside the ``engine`` package:

- in a checkout, both are at the top of the repository;
- installed from the wheel, both are in ``site-packages/sequence_studio/``
  (pyproject.toml maps the repository's top folder to that one package, and
  takes every file under ``resources/`` with it);
- in the PyInstaller app, both are in the unpack folder (``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resource_files", "project_root"]


def project_root() -> Path:
    """The folder that holds ``resources/`` (and ``engine/``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("names", "dinosaurs.txt")``."""
    return project_root().joinpath("resources", *parts)


def resource_files() -> list[str]:
    """Every bundled resource, as paths relative to ``resources/`` with ``/`` between parts, sorted."""
    base = resource_path()
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)
