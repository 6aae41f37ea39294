"""Small widgets the Names panels share: elided and wrapping labels, a steps axis, combo helpers."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

__all__ = ["combo", "select", "breakable", "group", "StepAxis", "ElidedLabel", "WrappingRow"]


def combo(labels: dict[str, str], tip: str) -> QComboBox:
    combo = QComboBox()
    for key, label in labels.items():
        combo.addItem(label, key)
    combo.setToolTip(tip)
    return combo


def select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)


def breakable(text: str, piece: int = 14) -> str:
    """``text`` with zero-width spaces that cut it into equal parts of at most ``piece`` characters: a wrapping
    label breaks it there only, so an alphabet wraps into even halves instead of leaving a lone "z" on a line."""
    pieces = max(2, -(-len(text) // piece))
    size = -(-len(text) // pieces)
    return "\u200b".join(text[i : i + size] for i in range(0, len(text), size))


def group(*widgets: QWidget) -> QWidget:
    """Widgets side by side in a plain container, kept together when a row wraps."""
    group = QWidget()
    layout = QHBoxLayout(group)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return group


class StepAxis(pg.AxisItem):
    """An axis of training steps, written as the progress bar writes them (35,000, not 35000)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if spacing * scale < 1:
            return super().tickStrings(values, scale, spacing)
        return [f"{round(v * scale):,}" for v in values]


class ElidedLabel(QLabel):
    """One line of text that asks for no width: elided in the middle when narrow (``full_text`` is whole)."""

    def __init__(self, text: str = "", bold: bool = False):
        super().__init__()
        self._full = ""
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(self.width(), 1))
        if shown != self.text():
            self.setText(shown)


class WrappingRow(QWidget):
    """Controls on one line when there is room for them all, else on two.

    ``first`` stays on the first line with ``action`` (a button) at its right end; ``movable``
    follows ``first`` on a wide row and makes the second line of a narrow one. The row's minimum
    width is the two-line one, so a narrow window wraps the row instead of cutting it.
    """

    def __init__(self, first: QWidget, movable: list[QWidget], action: QWidget):
        super().__init__()
        self._first, self._movable, self._action = first, movable, action
        self._lines = QVBoxLayout(self)
        self._lines.setContentsMargins(0, 0, 0, 0)
        self._top, self._bottom = QHBoxLayout(), QHBoxLayout()
        self._lines.addLayout(self._top)
        self._lines.addLayout(self._bottom)
        self._top.addWidget(first)
        for widget in movable:
            self._top.addWidget(widget)
        self._top.addStretch(1)
        self._top.addWidget(action)
        self._bottom.addStretch(1)
        self.wrapped = False

    def _width(self, widgets: list[QWidget], hint: str) -> int:
        sizes = [getattr(w, hint)().width() for w in widgets]
        return sum(sizes) + self._top.spacing() * (len(sizes) - 1)

    def one_line_width(self) -> int:
        """The width below which the row wraps: everything at its preferred size on one line."""
        return self._width([self._first, *self._movable, self._action], "sizeHint")

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = max(self._width([self._first, self._action], "minimumSizeHint"),
                    self._width(self._movable, "minimumSizeHint"))
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.set_wrapped(event.size().width() < self.one_line_width())

    def set_wrapped(self, wrapped: bool) -> None:
        if wrapped == self.wrapped:
            return
        self.wrapped = wrapped
        for widget in self._movable:
            (self._top if wrapped else self._bottom).removeWidget(widget)
        if wrapped:
            for i, widget in enumerate(self._movable):
                self._bottom.insertWidget(i, widget)
        else:
            for i, widget in enumerate(self._movable, start=1):
                self._top.insertWidget(i, widget)
        self.updateGeometry()
