"""The layout every tab shares: a column of controls on the left, results on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget


class ControlsSplitter(QSplitter):
    """Controls (a scrolling column of group boxes) beside the results, with a draggable handle.

    The controls keep the width the user drags them to while the results have at
    least ``roomy`` pixels; in a narrower window they give way first -- but never
    below their widest row plus the scroll bar, so nothing is cut off -- and then
    the results shrink.
    """

    def __init__(self, groups: list[QWidget], results: QWidget, widths: tuple[int, int],
                 preferred: int, roomy: int, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.max_width, self.roomy, self.preferred = widths[1], roomy, preferred

        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 4, 0)
        for group in groups:
            layout.addWidget(group)
        layout.addStretch(1)
        self.controls = QScrollArea()
        self.controls.setWidget(column)
        self.controls.setWidgetResizable(True)
        self.controls.setFrameShape(QFrame.Shape.NoFrame)
        self.controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        needed = column.minimumSizeHint().width() + self.controls.verticalScrollBar().sizeHint().width()
        self.min_width = max(widths[0], needed)
        self.controls.setMinimumWidth(self.min_width)
        self.controls.setMaximumWidth(self.max_width)

        self.addWidget(self.controls)
        self.addWidget(results)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.setChildrenCollapsible(False)
        self.setSizes([preferred, max(1, 1280 - preferred)])
        self.splitterMoved.connect(self._remember_width)

    def fit_controls(self) -> None:
        """Give the controls their chosen width, less whatever the results need to stay roomy."""
        total = self.width() - self.handleWidth()
        if total < self.min_width:
            return  # not laid out yet
        width = min(self.preferred, total - self.roomy)
        width = max(self.min_width, min(width, self.max_width))
        self.setSizes([width, total - width])

    def _remember_width(self, _position: int, _index: int) -> None:
        self.preferred = self.sizes()[0]

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.fit_controls()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit_controls()
