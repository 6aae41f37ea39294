"""Small widgets the Jazz panels share: compact form rows, hint labels, spin boxes, instrument lists."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QGridLayout, QLabel, QSizePolicy, QSpinBox, QWidget

__all__ = ["pair", "hint", "warning", "spin", "real_spin", "program_combo", "ElidedLabel", "HINT_STYLE",
           "WARNING_STYLE"]

HINT_STYLE = "color: #555; font-size: 9pt;"
WARNING_STYLE = "color: #8a5a00; font-size: 9pt;"


def pair(label_a: str, field_a: QWidget, label_b: str, field_b: QWidget) -> QWidget:
    """Two short fields side by side: a compact form row."""
    row = QWidget()
    grid = QGridLayout(row)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(6)
    for col, (text, field) in enumerate(((label_a, field_a), (label_b, field_b))):
        label = QLabel(text)
        label.setBuddy(field)
        grid.addWidget(label, 0, 2 * col)
        grid.addWidget(field, 0, 2 * col + 1)
        grid.setColumnStretch(2 * col + 1, 1)
    grid.setColumnMinimumWidth(2, 8)
    return row


def hint(text: str = "") -> QLabel:
    """A small grey note that wraps rather than widen its column."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


def warning(text: str = "") -> QLabel:
    """A small amber note for what the user should know (hidden while empty)."""
    label = hint(text)
    label.setStyleSheet(WARNING_STYLE)
    label.setVisible(bool(text))
    return label


def spin(lo: int, hi: int, value: int, tip: str, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSingleStep(step)
    box.setToolTip(tip)
    box.setAccelerated(True)
    return box


def real_spin(lo: float, hi: float, value: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def program_combo(value: int, tip: str) -> QComboBox:
    """General MIDI programs numbered from 0, as the command line's ``--melody-program`` counts them."""
    from engine.jazz.gm import GM_PROGRAMS  # (engine.jazz is imported with the widgets, not at start-up)

    combo = QComboBox()
    for i, name in enumerate(GM_PROGRAMS):
        combo.addItem(f"{i:>3}  {name}", i)
    combo.setCurrentIndex(value)
    combo.setMaxVisibleItems(20)
    combo.setMinimumContentsLength(12)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setToolTip(f"{tip}\nGeneral MIDI program, numbered from 0 as on the command line")
    return combo


class ElidedLabel(QLabel):
    """A one-line label that gives up its width first and ends in "…" when cut (its tooltip has it whole)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setMinimumWidth(0)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(self.alignment()), shown)
