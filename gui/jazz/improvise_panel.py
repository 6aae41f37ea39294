"""The Improvise box: how long, how many, how bold, over which chords -- and Generate.

Generation runs as a task; its variations go to the session
(``variations_changed``). Typed chords are lead-sheet text ("Dm7 G7 | Cmaj7"),
looped over the measures.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from gui.jazz.jobs import generate_job
from gui.jazz.session import JazzSession
from gui.jazz.widgets import pair, real_spin, spin
from gui.settings import bind

__all__ = ["ImprovisePanel"]


class ImprovisePanel(QGroupBox):
    """Measures, variations, temperature, seed, primer, chords; Generate."""

    def __init__(self, session: JazzSession):
        super().__init__("Improvise")
        self.session = session
        self.measures_spin = bind(spin(1, 256, 8, "Length of each variation in measures"), "jazz/measures")
        self.variations_spin = bind(spin(1, 8, 2, "How many different solos to improvise at once"),
                                    "jazz/variations")
        self.temperature_spin = bind(real_spin(0.0, 3.0, 0.7, 0.05, 2,
                                               "0 always plays the likeliest next note (the course); higher is bolder"),
                                     "jazz/temperature")
        self.seed_spin = bind(spin(0, 2**31 - 1, 1, "Same seed and settings: the same solos"), "jazz/seed")
        self.primer_combo = QComboBox()
        self.primer_combo.addItem("a phrase of the source", "window")
        self.primer_combo.addItem("silence (as the course)", "none")
        self.primer_combo.setToolTip("What the network hears before it starts to improvise")
        bind(self.primer_combo, "jazz/primer")

        self.chords_source_radio = QRadioButton("of the source")
        self.chords_typed_radio = QRadioButton("typed:")
        self.chords_group = QButtonGroup(self)
        self.chords_group.addButton(self.chords_source_radio)
        self.chords_group.addButton(self.chords_typed_radio)
        self.chords_source_radio.setChecked(True)
        self.chords_edit = QLineEdit("Dm7 G7 | Cmaj7 Cmaj7")
        self.chords_edit.setPlaceholderText("| Dm7 G7 | Cmaj7 |")
        self.chords_edit.setToolTip("Lead-sheet chords, looped over the measures: e.g. Dm7 G7 | Cmaj7 A7 | Bb7 Eb7")
        bind(self.chords_source_radio, "jazz/chords_source")
        bind(self.chords_typed_radio, "jazz/chords_typed")
        bind(self.chords_edit, "jazz/chords_text")
        self.chords_typed_radio.toggled.connect(self.chords_edit.setEnabled)
        self.chords_edit.setEnabled(self.chords_typed_radio.isChecked())
        chords = QWidget()
        choice = QHBoxLayout(chords)
        choice.setContentsMargins(0, 0, 0, 0)
        choice.addWidget(self.chords_source_radio)
        choice.addWidget(self.chords_typed_radio)
        choice.addStretch(1)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setMinimumHeight(30)
        self.generate_button.clicked.connect(self.generate)
        self.form = QFormLayout(self)
        self.form.setVerticalSpacing(5)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(pair("Measures", self.measures_spin, "Variations", self.variations_spin))
        self.form.addRow(pair("Temperature", self.temperature_spin, "Seed", self.seed_spin))
        self.form.addRow("Start from", self.primer_combo)
        self.form.addRow("Chords", chords)
        self.form.addRow(self.chords_edit)
        self.form.addRow(self.generate_button)

    def options(self) -> dict:
        """The keyword arguments of :func:`engine.jazz.generate` the box stands for."""
        chords = self.chords_edit.text() if self.chords_typed_radio.isChecked() else None
        return {
            "measures": self.measures_spin.value(),
            "temperature": self.temperature_spin.value(),
            "seed": self.seed_spin.value(),
            "variations": self.variations_spin.value(),
            "primer": self.primer_combo.currentData(),
            "chords": chords,
        }

    def generate(self) -> None:
        session = self.session
        if session.model is None:
            session.error("Generate", "Train a model (or load one) first.")
            return
        model, options = session.model, self.options()
        session.run_task("Generate", lambda: generate_job(model, options), self._on_generated)

    def _on_generated(self, improvs: list) -> None:
        session = self.session
        session.variations = list(improvs)
        session.variations_changed.emit()
        session.report(f"Improvised {len(improvs)} variation(s) of {self.measures_spin.value()} measures.")

    def update_enabled(self) -> None:
        self.generate_button.setEnabled(self.session.model is not None and not self.session.busy())
