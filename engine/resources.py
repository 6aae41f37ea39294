"""Where the bundled data lives, from a checkout and from a packaged app alike."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "project_root"]


def project_root() -> Path:
    """The folder that holds ``resources/``.

    In a PyInstaller bundle that is the unpack folder (``sys._MEIPASS``);
    from a checkout it is the repository root.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("names", "dinosaurs.txt")``."""
    return project_root().joinpath("resources", *parts)
