"""Gradient-flow experiments, one click each: the controls of each, and what a run shows and why.

The experiments themselves are :mod:`engine.experiments`; this module only offers
their settings (one page of spin boxes per experiment) and shows their caption,
summary and per-curve figures (factor per step back, mean forget gate, saturation).
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.experiments import EXPERIMENTS, Experiment
from gui.elided_combo import ElidedComboBox

__all__ = ["ExperimentsBox", "describe_experiment"]


class ExperimentsBox(QGroupBox):
    """Pick an experiment, set its controls, Show. ``run_requested(name, settings)``."""

    run_requested = Signal(str, dict)

    def __init__(self):
        super().__init__("Experiments")
        layout = QVBoxLayout(self)
        self.combo = ElidedComboBox()
        self.combo.setToolTip("Set-ups that show the course's lesson on vanishing and exploding gradients.")
        self.pages = QStackedWidget()
        self.spins: dict[str, dict[str, QDoubleSpinBox]] = {}
        for name, (title, controls) in EXPERIMENTS.items():
            self.combo.addItem(title.split(":")[0], name)
            self.combo.setItemData(self.combo.count() - 1, title, Qt.ItemDataRole.ToolTipRole)
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            self.spins[name] = {}
            for control in controls:
                spin = QDoubleSpinBox()
                spin.setRange(control.low, control.high)
                spin.setSingleStep(control.step)
                spin.setDecimals(0 if float(control.step).is_integer() and float(control.default).is_integer() else 1)
                spin.setValue(control.default)
                form.addRow(control.label, spin)
                self.spins[name][control.name] = spin
            self.pages.addWidget(page)
        self.combo.currentIndexChanged.connect(self._show_page)
        self._show_page(0)
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Run the experiment (milliseconds) and plot its gradient flow.")
        self.show_button.clicked.connect(self._on_show)
        layout.addWidget(self.combo)
        layout.addWidget(self.pages)
        layout.addWidget(self.show_button)

    def settings(self) -> tuple[str, dict]:
        """The chosen experiment and its settings (whole numbers where the control counts steps)."""
        name = self.combo.currentData()
        values = {}
        for key, spin in self.spins[name].items():
            value = spin.value()
            values[key] = int(value) if spin.decimals() == 0 else value
        return name, values

    def choose(self, name: str, **values) -> None:
        self.combo.setCurrentIndex(self.combo.findData(name))
        for key, value in values.items():
            self.spins[name][key].setValue(value)

    def _show_page(self, index: int) -> None:
        """Only the shown page takes room: one control leaves no gap above Show where another page has two."""
        for k in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if k == index else QSizePolicy.Policy.Ignored
            self.pages.widget(k).setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)

    def _on_show(self) -> None:
        self.run_requested.emit(*self.settings())


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def readable_powers(text: str) -> str:
    """The engine's plain-text powers of ten ("10^-12", for terminals) as a page prints them ("10⁻¹²")."""
    return re.sub(r"10\^(-?\d+)", lambda m: "10" + m.group(1).translate(_SUPERSCRIPT), text)


def describe_experiment(experiment: Experiment) -> str:
    """Rich text for beside the plot: the title, the figures of every curve, this run's summary, the lesson."""
    rows = []
    for curve in experiment.curves:
        forget = "—" if curve.forget_mean is None else f"{curve.forget_mean:.2f}"
        rows.append(
            f"<tr><td>{html.escape(curve.label)}</td><td align='right'>×{curve.factor:.2f}</td>"
            f"<td align='right'>{forget}</td><td align='right'>{100 * curve.saturation:.0f}%</td></tr>"
        )
    table = (
        "<table cellspacing='0' cellpadding='2'><tr style='color:#555'><td></td><td align='right'>per step back</td>"
        "<td align='right'>&nbsp;forget gate</td><td align='right'>&nbsp;saturated</td></tr>" + "".join(rows) + "</table>"
    )
    return (
        f"<b>{html.escape(experiment.title)}</b>{table}"
        f"<p style='margin:4px 0'>{html.escape(readable_powers(experiment.summary))}</p>"
        f"<p style='margin:4px 0; color:#444'>{html.escape(experiment.caption)}</p>"
    )
