"""The Improvise box: how long, how many, how bold, over which chords -- and Generate.

Generation runs as a task; its variations go to the session
(``variations_changed``). Typed chords are lead-sheet text ("Dm7 G7 | Cmaj7"),
looped over the measures.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QWidget,
)

from gui.jazz.jobs import generate_job
from gui.jazz.session import JazzSession
from gui.jazz.widgets import pair, real_spin, spin, warning
from gui.settings import bind

__all__ = ["ImprovisePanel"]


class ImprovisePanel(QGroupBox):
    """Measures, variations, temperature, seed, primer, chords; Generate."""

    def __init__(self, session: JazzSession):
        from engine.jazz.generate import DEFAULT_MAX_COPY
        from engine.jazz.swing import SWING_PRESETS

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
        self.primer_combo.addItem("a phrase", "window")
        self.primer_combo.addItem("silence", "none")
        self.primer_combo.setToolTip("What the network hears before it starts to improvise: a phrase of the "
                                     "source, or silence (as the course)")
        bind(self.primer_combo, "jazz/primer")

        self.swing_combo = QComboBox()
        self.swing_combo.setToolTip("Long:short eighths of the improvised line: the source's as measured, or a feel\n"
                                    "from straight (1:1) to hard swing (2.5:1)")
        self.swing_combo.addItem("source", None)
        for name, ratio in SWING_PRESETS:
            self.swing_combo.addItem(f"{name} {ratio:g}:1", ratio)
        self.swing_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.swing_combo.setMinimumContentsLength(8)
        bind(self.swing_combo, "jazz/swing")
        self.max_copy_slider = QSlider(Qt.Orientation.Horizontal)
        self.max_copy_slider.setRange(2, 32)
        self.max_copy_slider.setValue(DEFAULT_MAX_COPY)
        self.max_copy_slider.setToolTip("The longest run of tokens the improvisation may copy verbatim from what it "
                                        "learnt:\nshorter is more original, longer closer to the source")
        bind(self.max_copy_slider, "jazz/max_copy")
        self.max_copy_label = QLabel()
        self.max_copy_label.setMinimumWidth(self.max_copy_label.fontMetrics().horizontalAdvance("32 tokens"))
        self.max_copy_slider.valueChanged.connect(lambda v: self.max_copy_label.setText(f"{v} tokens"))
        self.max_copy_label.setText(f"{self.max_copy_slider.value()} tokens")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.max_copy_slider, 1)
        copy_row.addWidget(self.max_copy_label)
        self.chords_warning = warning()
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
        self.form.setVerticalSpacing(4)
        self.form.setContentsMargins(8, 4, 8, 6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(pair("Measures", self.measures_spin, "Variations", self.variations_spin))
        self.form.addRow(pair("Temperature", self.temperature_spin, "Seed", self.seed_spin))
        self.form.addRow(pair("Start", self.primer_combo, "Swing", self.swing_combo))
        self.form.addRow("Max copy", copy_row)
        self.form.addRow("Chords", chords)
        self.form.addRow(self.chords_edit)
        self.form.addRow(self.chords_warning)
        self.form.addRow(self.generate_button)
        session.piece_changed.connect(self.show_source)
        session.model_changed.connect(self.show_source)

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
            "swing": self.swing_combo.currentData(),
            "max_copy": self.max_copy_slider.value(),
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

    def show_source(self) -> None:
        """Name the measured swing, and warn when the chords were guessed from the melody itself."""
        from engine.jazz.swing import describe_swing

        session = self.session
        swing = session.swing
        if swing is None and session.model is not None:
            swing = getattr(session.model.source, "swing", None)
        self.swing_combo.setItemText(0, f"source {swing:.2g}:1" if swing else "source")
        self.swing_combo.setItemData(0, f"The source's: {describe_swing(swing)}", Qt.ItemDataRole.ToolTipRole)
        inferred = _chords_inferred(session.corpus) or (
            session.corpus is None and session.model is not None and _chords_inferred(session.model.source))
        self.chords_warning.setText("The source's chords were guessed from its melody (no other part plays "
                                    "them): type the real changes for a better solo." if inferred else "")
        self.chords_warning.setVisible(inferred)

    def update_enabled(self) -> None:
        self.generate_button.setEnabled(self.session.model is not None and not self.session.busy())


def _chords_inferred(source) -> bool:
    """True when a corpus (or a model's source) took its chords from the melody itself."""
    if source is None:
        return False
    flag = getattr(source, "chords_inferred", None)
    return bool(flag) if flag is not None else getattr(source, "harmony_from", "") == "melody"
