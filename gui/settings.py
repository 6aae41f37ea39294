"""Remembered choices: window geometry, last folders, each tab's own values."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "SequenceStudio"
APPLICATION = "Sequence Studio"


def app_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def last_folder(key: str) -> str:
    """The folder the user last opened a file of this kind from (home by default)."""
    folder = app_settings().value(f"folders/{key}", "", type=str)
    if folder and Path(folder).is_dir():
        return folder
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)


def remember_folder(key: str, path: str) -> None:
    """Remember the folder of ``path`` (a file or a folder) for the next dialog of this kind."""
    p = Path(path)
    app_settings().setValue(f"folders/{key}", str(p if p.is_dir() else p.parent))
