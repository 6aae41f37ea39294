"""The bug lab: the gradient check run with one of the course write-ups' published mistakes in place.

The mistakes and the check are :mod:`engine.mistakes`; here a learner picks one,
runs the check and sees the verdicts turn red, the faulty line beside the
correct one, and (in the heatmap) where analytic and numeric gradients differ.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QPushButton, QVBoxLayout

from engine.mistakes import MISTAKES, MistakeCheck
from gui.elided_combo import ElidedComboBox
from gui.gradients.check_table import VERDICT_COLOURS

__all__ = ["BugLabBox", "describe_check"]


class BugLabBox(QGroupBox):
    """Pick a mistake (or the correct code) and check it: ``check_requested(mistake or "", cells)``."""

    check_requested = Signal(str, tuple)  # the mistake ("" for none) and the cells it applies to

    def __init__(self):
        super().__init__("Bug lab")
        layout = QVBoxLayout(self)
        self.combo = ElidedComboBox()
        self.combo.addItem("No mistake: the correct code", ("", ("rnn", "lstm")))
        for mistake in MISTAKES.values():
            self.combo.addItem(mistake.title, (mistake.name, mistake.cells))
            self.combo.setItemData(self.combo.count() - 1, mistake.explanation, Qt.ItemDataRole.ToolTipRole)
        self.combo.setToolTip("Three mistakes of widely copied write-ups of the course; run the check with one in place.")
        self.combo.setMinimumContentsLength(12)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.check_button = QPushButton("Check with this code")
        self.check_button.setToolTip("The gradient check of the chosen cell, with the mistake in place.")
        self.check_button.clicked.connect(self._on_check)
        layout.addWidget(self.combo)
        layout.addWidget(self.check_button)

    def choose(self, mistake: str) -> None:
        for i in range(self.combo.count()):
            if self.combo.itemData(i)[0] == mistake:
                self.combo.setCurrentIndex(i)
                return
        raise ValueError(f"no mistake {mistake!r}")

    def chosen(self) -> tuple[str, tuple[str, ...]]:
        return self.combo.currentData()

    def _on_check(self) -> None:
        self.check_requested.emit(*self.chosen())


def describe_check(check: MistakeCheck) -> str:
    """Rich text: which code was checked, the verdict of every array, and the faulty line beside the correct one."""
    mistake = check.mistake
    title = "The correct code" if mistake is None else mistake.title
    rows = "".join(
        f"<tr><td><tt>d{html.escape(name)}</tt></td>"
        f"<td style='background:{VERDICT_COLOURS[check.verdicts[name]]}'>"
        f"{check.rel_errors[name]:.1e} {check.verdicts[name]}</td></tr>"
        for name in check.names if name in check.rel_errors
    )
    caught = "caught: a gradient is wrong (relative error above 1e-3)" if check.caught else "every gradient agrees"
    text = f"<b>Bug lab: {html.escape(title)}</b> ({check.cell.upper()}) — {caught}.<table cellpadding='2'>{rows}</table>"
    if mistake is not None:
        text += (
            f"<p style='margin:4px 0'>In <tt>{html.escape(mistake.function)}</tt>:<br>"
            f"<span style='background:#f6cfbf'>&nbsp;{html.escape(mistake.faulty)}&nbsp;</span> (the mistake)<br>"
            f"<span style='background:#d5efe4'>&nbsp;{html.escape(mistake.correct)}&nbsp;</span> (correct)</p>"
            f"<p style='margin:4px 0; color:#444'>{html.escape(mistake.explanation)}</p>"
        )
    return text


def worst_array(check: MistakeCheck) -> str:
    """The name of the array with the largest relative error (where the mistake shows most)."""
    return max(check.rel_errors, key=check.rel_errors.get)
