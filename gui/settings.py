"""Remembered choices: window geometry, last folders, each tab's own values.

One binding ties a widget to a settings key::

    bind(self.epochs_spin, "jazz/epochs", 100)   # restores the remembered value (or 100)
    ...
    save_bound(self)                             # on close: writes every bound widget under self

:func:`bind` works for spin boxes (int and float), combo boxes (by item data,
else by text), check boxes and radio buttons, line edits and sliders. Values are
written only by :func:`save_bound`, which the main window calls on close -- so a
screenshot run, which must not change what is remembered, simply never calls it.
A remembered value the widget cannot take (out of range, an item that is gone)
leaves the default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

__all__ = ["ORGANIZATION", "APPLICATION", "app_settings", "last_folder", "remember_folder", "bind",
           "save_bound", "widget_value"]

ORGANIZATION = "SequenceStudio"
APPLICATION = "Sequence Studio"
_KEY_PROPERTY = "settingsKey"  # the dynamic property that marks a bound widget


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


def widget_value(widget: QWidget) -> Any:
    """What a bound widget holds, as it is remembered."""
    if isinstance(widget, (QSpinBox, QDoubleSpinBox, QAbstractSlider)):
        return widget.value()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return widget.currentText() if data is None else data
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text()
    raise TypeError(f"cannot remember a {type(widget).__name__}")


def _set_value(widget: QWidget, value: Any) -> None:
    """Put ``value`` (as read back from QSettings: often a string) into ``widget``; ignore what does not fit."""
    try:
        if isinstance(widget, QDoubleSpinBox):
            number = float(value)
            if widget.minimum() <= number <= widget.maximum():
                widget.setValue(number)
        elif isinstance(widget, (QSpinBox, QAbstractSlider)):
            number = int(float(value))
            if widget.minimum() <= number <= widget.maximum():
                widget.setValue(number)
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                data = widget.itemData(i)
                if str(value) == str(data if data is not None else widget.itemText(i)):
                    widget.setCurrentIndex(i)
                    break
        elif isinstance(widget, QAbstractButton):
            widget.setChecked(value if isinstance(value, bool) else str(value).lower() in ("true", "1"))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))
    except (TypeError, ValueError):
        pass  # a value of another kind (an older version's): keep what the widget shows


def bind(widget: QWidget, key: str, default: Any = None, settings: QSettings | None = None) -> QWidget:
    """Tie ``widget`` to settings ``key``: show the remembered value now (else ``default``); returns the widget.

    The value is written back by :func:`save_bound`. Radio buttons of one group
    are bound one by one; restoring "checked" on the remembered one is enough.
    """
    widget_value(widget)  # refuses kinds it cannot remember, at once
    widget.setProperty(_KEY_PROPERTY, key)
    stored = (settings or app_settings()).value(key)
    if stored is not None:
        _set_value(widget, stored)
    elif default is not None:
        _set_value(widget, default)
    return widget


def save_bound(root: QWidget, settings: QSettings | None = None) -> int:
    """Write every widget bound under ``root`` (``root`` included) to its key; returns how many."""
    settings = settings or app_settings()
    count = 0
    for widget in [root, *root.findChildren(QWidget)]:
        key = widget.property(_KEY_PROPERTY)
        if key:
            settings.setValue(key, widget_value(widget))
            count += 1
    settings.sync()
    return count
