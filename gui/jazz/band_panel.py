"""The Band box: the rhythm section under the solo, which tracks to export, and what the preview plays.

Style is one of the engine's (swing, ballad, bossa, straight) or none (the
chords held as blocks, the studio's old export). Each track -- melody, bass,
comping, drums -- has a tick (written to the MIDI file and heard) and M/S
buttons (mute or solo it in the preview only). The instruments are General
MIDI programs numbered from 0, as on the command line; comping defaults to the
style's own instrument. The Listen bar (:mod:`gui.jazz.sound_panel`) adds its
Tempo row at the foot of this box's :attr:`form`: the tempo is exported too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QToolButton, QWidget

from gui.jazz.widgets import program_combo
from gui.settings import bind

__all__ = ["BandPanel", "STYLE_DEFAULT"]

STYLE_DEFAULT = -1  # the comping combo's "style's own instrument"


class BandPanel(QGroupBox):
    """Style, tracks with include/mute/solo, melody and comping instruments."""

    changed = Signal()  # anything that changes what is exported

    def __init__(self):
        from engine.jazz import DEFAULT_MELODY_PROGRAM
        from engine.jazz.band import STYLE_NAMES, TRACK_NAMES

        super().__init__("Band")
        self.style_combo = QComboBox()
        for name in STYLE_NAMES:
            self.style_combo.addItem("none (block chords)" if name == "none" else name, name)
        self.style_combo.setToolTip("The rhythm section under the solo: walking bass, comping and drums in a style,\n"
                                    "or none: the chords held as blocks")
        bind(self.style_combo, "jazz/style", "swing")
        self.include: dict[str, QCheckBox] = {}
        self.mute: dict[str, QToolButton] = {}
        self.solo: dict[str, QToolButton] = {}
        grid = QWidget()
        cells = QGridLayout(grid)
        cells.setContentsMargins(0, 0, 0, 0)
        cells.setHorizontalSpacing(2)
        cells.setVerticalSpacing(2)
        for k, role in enumerate(TRACK_NAMES):
            box = bind(QCheckBox(role.capitalize()), f"jazz/track_{role}", True)
            box.setToolTip(f"Write the {role} track to the MIDI file (and hear it)")
            mute, solo = self._toggle("M", f"Mute the {role} in the preview"), self._toggle(
                "S", f"Solo the {role}: the preview plays only the soloed tracks")
            self.include[role], self.mute[role], self.solo[role] = box, mute, solo
            row, col = divmod(k, 2)
            cells.addWidget(box, row, 3 * col)
            cells.addWidget(mute, row, 3 * col + 1)
            cells.addWidget(solo, row, 3 * col + 2)
            cells.setColumnStretch(3 * col, 1)
            box.toggled.connect(self._on_changed)
        self.melody_program = bind(program_combo(DEFAULT_MELODY_PROGRAM, "Instrument of the melody"),
                                   "jazz/melody_program")
        self.chord_program = program_combo(0, "Instrument of the comping (the block chords with style none)")
        self.chord_program.insertItem(0, "the style's own", STYLE_DEFAULT)
        self.chord_program.setCurrentIndex(0)
        bind(self.chord_program, "jazz/chord_program")
        self.form = QFormLayout(self)  # the Listen bar adds its tempo row (what is exported) below
        self.form.setVerticalSpacing(4)
        self.form.setContentsMargins(8, 4, 8, 6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("Style", self.style_combo)
        self.form.addRow(grid)
        self.form.addRow("Melody", self.melody_program)
        self.form.addRow("Comping", self.chord_program)
        for signal in (self.style_combo.currentIndexChanged, self.melody_program.currentIndexChanged,
                       self.chord_program.currentIndexChanged):
            signal.connect(self._on_changed)

    @staticmethod
    def _toggle(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setToolTip(tip)
        button.setFixedSize(22, 20)
        return button

    def _on_changed(self, *_args) -> None:
        self.changed.emit()

    def tracks(self) -> tuple[str, ...]:
        """The ticked tracks, in the engine's order."""
        return tuple(role for role, box in self.include.items() if box.isChecked())

    def heard(self) -> set[str]:
        """The tracks the preview plays: the soloed ones if any, else those not muted (of the ticked ones)."""
        tracks = set(self.tracks())
        soloed = {role for role, b in self.solo.items() if b.isChecked()} & tracks
        return soloed or {role for role in tracks if not self.mute[role].isChecked()}

    def options(self) -> dict:
        """Keyword arguments of :class:`engine.jazz.ExportOptions` chosen here (tempo aside)."""
        chord = self.chord_program.currentData()
        return {"style": self.style_combo.currentData(), "tracks": self.tracks(),
                "melody_program": int(self.melody_program.currentData()),
                "chord_program": None if chord == STYLE_DEFAULT else int(chord)}
