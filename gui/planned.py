"""A page that says what a tab will do, shown until the tab itself exists."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlannedTab(QWidget):
    def __init__(self, title: str, summary: str, points: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(
            f"<p style='font-size: 11pt'>{summary}</p><ul>"
            + "".join(f"<li style='margin-bottom: 6px'>{p}</li>" for p in points)
            + "</ul><p style='color: gray'>This part of the studio is being built.</p>"
        )
        for label in (heading, body):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            layout.addWidget(label)
        layout.addStretch(1)
