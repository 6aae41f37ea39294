"""The Listen bar under the piano rolls: the tempo of what is played and exported, and where it sounds.

Tempo follows the source unless unticked; the band and its instruments are the
Band box's (:mod:`gui.jazz.band_panel`), which this bar combines into the
export options. Output is the audio preview in the app (rendered to a WAV,
sampled through FluidSynth when it is installed) or a MIDI port; when
no port exists the port row is hidden and the reason stands in for it. One
message line says what went wrong with sound -- only advice this machine can
follow.

It is a bar under the rolls, where the Play buttons are, as a transport bar in a
sequencer: audio preview, Refresh and Stop on one row, the MIDI port below it
when there is one (else the reason there is none), and a note on what went wrong
with sound only while there is one. The tempo row, part of what is exported,
sits in the Band box. The controls column then fits a 1280x820 window.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
)

from gui.jazz.band_panel import BandPanel
from gui.jazz.session import JazzSession
from gui.jazz.widgets import spin, warning
from gui.settings import app_settings, bind

__all__ = ["SoundPanel"]

PORT_KEY = "jazz/midi_port"


class SoundPanel(QFrame):
    """Audio or MIDI port, Refresh, Stop; the reason there is no port and what went wrong below. Owns the tempo."""

    def __init__(self, session: JazzSession, band: BandPanel):
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.session, self.band = session, band
        self.port_listing = None  # engine.midi_ports.PortListing, once looked for
        self.wanted_port = app_settings().value(PORT_KEY, "", type=str)

        self.tempo_spin = bind(spin(20, 400, 120, "Playback and export tempo in beats per minute"), "jazz/tempo")
        self.tempo_spin.setSuffix(" BPM")
        self.source_tempo_check = bind(QCheckBox("source"), "jazz/source_tempo", True)
        self.source_tempo_check.setToolTip("Use the tempo of the source piece")
        self.source_tempo_check.toggled.connect(self._on_source_tempo_toggled)
        self.tempo_spin.setEnabled(not self.source_tempo_check.isChecked())

        self.audio_radio = QRadioButton("Audio preview in the app")
        self.port_radio = QRadioButton("MIDI port:")
        self.output_group = QButtonGroup(self)
        self.output_group.addButton(self.audio_radio)
        self.output_group.addButton(self.port_radio)
        self.audio_radio.setChecked(True)
        bind(self.port_radio, "jazz/midi_port_output")
        self.port_combo = QComboBox()
        self.port_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.port_combo.setMinimumContentsLength(8)
        self.refresh_ports_button = QToolButton()
        self.refresh_ports_button.setText("⟳ Refresh")  # the word the "no MIDI system" advice uses
        self.refresh_ports_button.setToolTip("Look for MIDI ports again")
        self.refresh_ports_button.clicked.connect(self.refresh_ports)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.setToolTip("Stop the preview or the MIDI output (all notes off)")
        self.stop_button.setEnabled(False)
        self.port_reason = warning()
        self.audio_message = warning()

        tempo_row = QHBoxLayout()  # shown in the Band box: it is part of what is exported
        tempo_row.addWidget(self.tempo_spin, 1)
        tempo_row.addWidget(self.source_tempo_check)
        band.form.addRow("Tempo", tempo_row)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(QLabel("<b>Listen</b>"))
        row.addWidget(self.audio_radio)
        row.addStretch(1)
        row.addWidget(self.refresh_ports_button)
        row.addWidget(self.stop_button)
        port_row = QHBoxLayout()  # on a row of its own: a port's name can be long
        port_row.addWidget(self.port_radio)
        port_row.addWidget(self.port_combo, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 4)
        column.setSpacing(2)
        column.addLayout(row)
        column.addLayout(port_row)
        column.addWidget(self.port_reason)
        column.addWidget(self.audio_message)
        session.piece_changed.connect(self.follow_source_tempo)
        session.model_changed.connect(self.follow_source_tempo)

    # -- tempo and instruments ----------------------------------------------------------
    def tempo(self) -> float:
        return float(self.tempo_spin.value())

    def programs(self) -> tuple[int, int]:
        """Melody and chord programs for playing the source (the chords on piano unless chosen)."""
        options = self.band.options()
        chords = options["chord_program"]
        return options["melody_program"], 0 if chords is None else chords

    def export_options(self) -> dict:
        """The keyword arguments of :class:`engine.jazz.ExportOptions`: this box's tempo and the Band box's."""
        return {"tempo": self.tempo(), **self.band.options()}

    def follow_source_tempo(self) -> None:
        """With "source" ticked, the tempo is the open piece's (or the loaded model's)."""
        if not self.source_tempo_check.isChecked():
            return
        session = self.session
        tempo = session.song.tempo if session.song is not None else None
        if tempo is None and session.model is not None:
            tempo = session.model.source.tempo
        if tempo:
            self.tempo_spin.setValue(int(round(tempo)))
        varies = session.song is not None and "median" in session.song.tempo_text
        self.source_tempo_check.setToolTip(
            f"Use the tempo of the source piece: it plays at {session.song.tempo_text}, so its median over "
            "the playing time is used" if varies else "Use the tempo of the source piece")

    def _on_source_tempo_toggled(self, checked: bool) -> None:
        self.tempo_spin.setEnabled(not checked)
        self.follow_source_tempo()

    # -- where it sounds -------------------------------------------------------------------
    def refresh_ports(self) -> None:
        from engine.midi_ports import list_output_ports

        listing = list_output_ports()
        current = self.port_combo.currentText() or self.wanted_port
        self.port_combo.clear()
        self.port_combo.addItems(listing.names)
        if listing.names:  # with a placeholder set, Qt would leave nothing selected
            self.port_combo.setCurrentIndex(listing.names.index(current) if current in listing.names else 0)
        self.port_listing = listing
        has_ports = bool(listing.names)
        self.port_combo.setEnabled(has_ports)
        self.port_radio.setEnabled(has_ports)
        for w in (self.port_radio, self.port_combo):  # no port at all: the reason stands in for the row
            w.setVisible(has_ports or not listing.reason)
        if not has_ports:
            self.port_combo.setPlaceholderText("none")
            self.audio_radio.setChecked(True)
        self.port_reason.setText(listing.reason)
        self.port_reason.setVisible(bool(listing.reason))
        tip = listing.reason or "Send the notes to this port: a DAW, a software or hardware synthesizer"
        for w in (self.port_radio, self.port_combo):
            w.setToolTip(tip)

    def chosen_port(self) -> str | None:
        """The MIDI port to play to, or None for the audio preview."""
        if self.port_radio.isChecked() and self.port_combo.isEnabled() and self.port_combo.currentText():
            return self.port_combo.currentText()
        return None

    def describe_synth(self) -> None:
        from engine.jazz.render import sampled_sound

        found = sampled_sound()
        if found:
            self.audio_radio.setText("Audio preview (FluidSynth)")
            self.audio_radio.setToolTip(f"Sampled sound: FluidSynth with {found[1].name}, played in the app")
        else:
            self.audio_radio.setText("Audio preview (built-in synth)")
            self.audio_radio.setToolTip(
                "Rendered by the studio's own synthesizer and played in the app.\n"
                "With FluidSynth and a General MIDI SoundFont installed, those are used instead.\n"
                "The built-in synthesizer plays no drums."
            )

    def show_audio_message(self, message: str) -> None:
        """One line about sound: the problem, then only the way out this machine offers."""
        if message.startswith("No audio output device"):
            ways = "Export › WAV audio… keeps it as a file"
            if self.port_listing is not None and self.port_listing.names:
                ways += ", or play it to a MIDI port"
            message = f"No audio output device: the preview cannot be heard here. {ways}."
        self.audio_message.setText(message)
        self.audio_message.setVisible(bool(message))

    def save_port(self) -> None:
        if self.port_combo.isEnabled() and self.port_combo.currentText():
            app_settings().setValue(PORT_KEY, self.port_combo.currentText())
