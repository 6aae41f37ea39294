"""Names as list items (new in black, known in grey italics) and the list of names sampled while training."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from gui.plotting import PALETTE

__all__ = ["KNOWN_COLOUR", "NEW_COLOUR", "name_item", "hint_item", "TrainingSamples"]

KNOWN_COLOUR = "#8a8a8a"
NEW_COLOUR = "#1d1d1d"
MAX_TRAINING_SAMPLES = 400  # lines kept in the list of names sampled while training
DURING_MIN_WIDTH = 200


def hint_item(text: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setForeground(QBrush(QColor(KNOWN_COLOUR)))
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item


def name_item(name: str, new: bool, indent: bool = False, truncated: bool = False) -> QListWidgetItem:
    """An item for ``name`` (kept as its UserRole data): new ones plain, known ones in grey italics."""
    item = QListWidgetItem(("   " if indent else "") + (name or "∅") + ("…" if truncated else ""))
    item.setData(Qt.ItemDataRole.UserRole, name)
    if new:
        item.setForeground(QBrush(QColor(NEW_COLOUR)))
        tip = "New: not one of the training names"
    else:
        font = item.font()
        font.setItalic(True)
        item.setFont(font)
        item.setForeground(QBrush(QColor(KNOWN_COLOUR)))
        tip = "Known: already in the training names"
    if truncated:
        tip += "\nCut off at the maximum length before the model ended it"
    if not name:
        tip = "An empty name: the model ended it at once"
    item.setToolTip(tip)
    return item


class TrainingSamples(QGroupBox):
    """Blocks of names the model invents while it trains, newest first."""

    def __init__(self):
        super().__init__("Sampled while training")
        layout = QVBoxLayout(self)
        self.names = QListWidget()
        self.names.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.names.setUniformItemSizes(True)
        self.names.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.names.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.names.addItem(hint_item("None yet: press Train."))
        # Every block is drawn with the same seed (as the course does), so a block differs from the
        # one before only by what the model learnt; the caption says so, since it shows.
        self.caption = QLabel("Same random draws each time: only the model changes.")
        self.caption.setWordWrap(True)
        self.caption.setMinimumWidth(100)
        self.caption.setStyleSheet("color: #555")
        layout.addWidget(self.caption)
        layout.addWidget(self.names)
        self.setMinimumWidth(DURING_MIN_WIDTH)

    def clear(self) -> None:
        self.names.clear()

    def set_tip(self, every: int, count: int) -> None:
        if not every:
            tip = "This preset samples no names while it trains."
        else:
            tip = (
                f"Every {every:,} steps, {count} names drawn with the same seed, as the course does; newest first.\n"
                "The n-th name of every block comes from the same random numbers, so names share their first\n"
                "letters while the model is unsure, and what changes from block to block is what it learnt,\n"
                "not chance. Grey italics: a name already in the training list."
            )
        self.names.setToolTip(tip)
        self.caption.setToolTip(tip)

    def add(self, step: int, best: float | None, samples) -> None:
        header = QListWidgetItem(f"step {step:,}" + (f" · best val {best:.3f}" if best is not None else ""))
        font = header.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        header.setFont(font)
        header.setForeground(QBrush(QColor(PALETTE["blue"])))
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        items = [header] + [name_item(s.name, s.new, indent=True) for s in samples]
        for row, item in enumerate(items):
            self.names.insertItem(row, item)
        while self.names.count() > MAX_TRAINING_SAMPLES:
            self.names.takeItem(self.names.count() - 1)
