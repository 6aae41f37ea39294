"""The application's name and version, read from the installed package metadata."""

from __future__ import annotations

APP_NAME = "Sequence Studio"
DIST_NAME = "sequence-studio"
_FALLBACK_VERSION = "0.1.0"  # keep equal to pyproject.toml's version


def app_version() -> str:
    """The version in the package metadata, or the source's own when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DIST_NAME)
    except PackageNotFoundError:
        return _FALLBACK_VERSION
