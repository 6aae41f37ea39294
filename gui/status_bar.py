"""The window's status bar: a message too long for the window ends in "…", and its tooltip has it whole."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStatusBar, QWidget

__all__ = ["ElidingStatusBar", "elide_at_word"]


def elide_at_word(text: str, metrics, width: int) -> str:
    """``text`` if it fits ``width`` pixels in ``metrics`` (a QFontMetrics), else its longest whole-word
    beginning that fits with "…" after it."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width).rstrip("…")
    cut = shown.rsplit(" ", 1)[0] if " " in shown else shown
    return cut.rstrip(" ,;:·—") + "…"


class ElidingStatusBar(QStatusBar):
    """A QStatusBar whose message is cut with "…" at a word's end, never mid-word at the window's edge.

    ``currentMessage()`` stays the whole text; only the painting shortens it.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.messageChanged.connect(self.setToolTip)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        text = self.currentMessage()
        if not text:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        grip = 16 if self.isSizeGripEnabled() else 0
        rect = self.rect().adjusted(6, 0, -6 - grip, 0)
        shown = elide_at_word(text, self.fontMetrics(), rect.width())
        painter.setPen(self.palette().windowText().color())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
