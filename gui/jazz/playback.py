"""Playing the source or a variation: an audio preview rendered in a worker, or notes sent to a MIDI port.

A *target* is ``"source"`` or a variation's index. The source plays from the bar
on screen, at most :data:`SOURCE_PREVIEW_BARS` bars (a long piece would take
long to render), its melody over its other parts. A variation plays what is
exported -- the engine's arrangement of it (:func:`engine.jazz.export.arrangement_for`)
with the Band box's style, tracks and instruments -- less the tracks muted (or
not soloed) there. Notes are converted to seconds at the chosen tempo (the Band box's Tempo row);
arranging, rendering and port output run on :attr:`worker`, and the playhead
of the target's piano roll follows the sound.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.jobs import Progress
from gui.audio_player import AudioPlayer
from gui.jazz.jobs import wav_job
from gui.jazz.session import JazzSession
from gui.jazz.sound_panel import SoundPanel
from gui.worker import JobWorker

__all__ = ["Playback", "SOURCE_PREVIEW_BARS"]

log = logging.getLogger(__name__)

SOURCE_PREVIEW_BARS = 32


class Playback(QObject):
    """Play/stop one target at a time; ``playing_changed(target or None)`` follows."""

    playing_changed = Signal(object)

    def __init__(self, session: JazzSession, sound: SoundPanel, source_first_beat: Callable[[], float],
                 roll_for: Callable[[Any], Any]):
        super().__init__(session)
        self.session, self.sound = session, sound
        self._source_first_beat, self._roll_for = source_first_beat, roll_for
        self.playing: tuple[str, Any] | None = None  # ("audio" | "render" | "port", target)
        self.last_preview: tuple[Path, str, float] | None = None  # (WAV, engine, seconds) of the last render
        self.offset = 0.0  # beat of the source where the preview starts
        self.worker = JobWorker(self)  # rendering previews, playing to a MIDI port
        self.player = AudioPlayer(self)
        self.player.playing_changed.connect(self._on_player_state)
        self.player.position_changed.connect(self._on_player_position)
        self.player.error.connect(self._show_message)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(lambda: self._set_playing(None))
        sound.stop_button.clicked.connect(self.stop)

    # -- what is played ----------------------------------------------------------------
    def source_excerpt(self) -> tuple[float, float]:
        """The stretch of the source a preview plays, in beats (see :func:`engine.jazz.timing.preview_span`)."""
        from engine.jazz.timing import preview_span

        song = self.session.song
        return preview_span(song.length, self.session.measure_length(), self._source_first_beat(),
                            SOURCE_PREVIEW_BARS)

    def notes_for(self, target) -> tuple[list, float]:
        """Notes to sound (in seconds) for ``target``, and the length played in seconds.

        Cheap for the source; for a variation it arranges the band (run it in a job).
        """
        from engine.jazz.synth import Note as SynthNote
        from engine.jazz.timing import excerpt, seconds_per_beat

        session = self.session
        spb = seconds_per_beat(self.sound.tempo())
        if target != "source":
            return _arranged(session.variations[target], self.sound.export_options(), self.sound.band.heard(), spb)
        melody_program, chord_program = self.sound.programs()
        song, melody = session.song, session.melody_index()
        offset, end = self.source_excerpt()
        mel = list(song.parts[melody].notes) if melody is not None else []
        acc = [n for p in song.parts if not p.is_drums and p.index != melody for n in p.notes]
        mel, acc = excerpt(mel, offset, end), excerpt(acc, offset, end)
        self.offset = offset
        notes = [SynthNote(n.pitch, n.start * spb, n.duration * spb, n.velocity, melody_program, 0.25, 0)
                 for n in mel]
        notes += [SynthNote(n.pitch, n.start * spb, n.duration * spb, n.velocity, chord_program, -0.25, 1)
                  for n in acc]
        return notes, (end - offset) * spb

    def preview_path(self, target) -> Path:
        name = "source" if target == "source" else f"variation{target + 1}"
        return self.session.temp_folder() / f"{name}.wav"

    # -- playing ---------------------------------------------------------------------------
    def toggle(self, target) -> None:
        """Play ``target``; pressed again while it plays, stop."""
        same = self.playing is not None and self.playing[1] == target
        self.stop()
        if same or (target == "source" and self.session.song is None):
            return
        self.offset = 0.0
        notes_for = self._notes_in_job(target)
        self._show_message("")
        port = self.sound.chosen_port()
        if port is not None:
            from engine.midi_ports import play_to_port

            def to_port():
                notes, _seconds = notes_for()
                return (yield from play_to_port(port, notes))

            self.worker.start(to_port)
            self._set_playing(("port", target))
            self.session.report(f"Playing to {port}…")
            return
        path = self.preview_path(target)
        self.player.release()

        def render():
            notes, seconds = notes_for()
            return (yield from wav_job(notes, path, seconds))

        self.worker.start(render)
        self._set_playing(("render", target))
        self.session.report("Rendering the audio preview…")

    def _notes_in_job(self, target):
        """What :meth:`notes_for` needs from the widgets, read now; the notes themselves made in the job."""
        if target == "source":
            made = self.notes_for("source")
            return lambda: made
        from engine.jazz.timing import seconds_per_beat

        improv = self.session.variations[target]
        options, heard = self.sound.export_options(), self.sound.band.heard()
        spb = seconds_per_beat(self.sound.tempo())
        return lambda: _arranged(improv, options, heard, spb)

    def stop(self) -> None:
        """Stop the preview and any MIDI port output (all notes off)."""
        if self.worker.is_running():
            self.worker.cancel()
        self.player.stop()
        self._set_playing(None)

    def save_wav(self, target, path: str, confirm: bool = True) -> bool:
        """Render ``target`` to a WAV file at ``path`` (a task); asks before replacing a file."""
        from gui.settings import remember_folder

        session, where = self.session, Path(path)
        if confirm and where.exists() and not session.ask_replace(where):
            return False
        remember_folder("jazz-export", str(where))
        notes_for = self._notes_in_job(target)

        def make_job():
            notes, seconds = notes_for()
            result = yield from wav_job(notes, where, seconds)
            return result[0]

        return session.run_task("Save WAV", make_job, lambda p: session.report(f"Saved {Path(p).name}."))

    # -- following the sound -------------------------------------------------------------
    def _on_progress(self, event: Progress) -> None:
        if self.playing is not None and self.playing[0] == "port":
            self._move_playhead(self.playing[1], event.step / 1000.0)

    def _on_finished(self, result) -> None:
        if self.playing is None or self.playing[0] == "port":
            self._set_playing(None)
            return
        path, engine, seconds = result
        self.last_preview = (path, engine, seconds)
        target = self.playing[1]
        if self.player.play(path):
            self._set_playing(("audio", target))
            self.session.report(f"Playing the preview ({engine}, {seconds:.1f} s).")
        else:
            self._set_playing(None)

    def _on_failed(self, message: str, trace: str) -> None:
        log.warning("audio failed: %s\n%s", message, trace)
        self._set_playing(None)
        self._show_message(message)

    def _show_message(self, message: str) -> None:
        self.sound.show_audio_message(message)
        if message:
            self.session.report(self.sound.audio_message.text())

    def _on_player_state(self, playing: bool) -> None:
        if not playing and self.playing is not None and self.playing[0] == "audio":
            self._set_playing(None)

    def _on_player_position(self, seconds: float) -> None:
        if self.playing is not None and self.playing[0] == "audio":
            self._move_playhead(self.playing[1], seconds)

    def _move_playhead(self, target, seconds: float) -> None:
        from engine.jazz.timing import seconds_to_beats

        roll = self._roll_for(target)
        if roll is not None:
            offset = self.offset if target == "source" else 0.0
            roll.set_playhead(offset + seconds_to_beats(seconds, self.sound.tempo()))

    def _set_playing(self, playing: tuple[str, Any] | None) -> None:
        previous, self.playing = self.playing, playing
        if previous is not None and (playing is None or previous[1] != playing[1]):
            roll = self._roll_for(previous[1])
            if roll is not None:
                roll.set_playhead(None)
        self.sound.stop_button.setEnabled(playing is not None)
        self.playing_changed.emit(playing[1] if playing is not None else None)


def _arranged(improv, options: dict, heard: set[str], seconds_per_beat: float) -> tuple[list, float]:
    """The exported arrangement of ``improv`` as notes in seconds, only the ``heard`` tracks; and its length."""
    from engine.jazz import ExportOptions
    from engine.jazz.export import arrangement_for
    from engine.jazz.render import arrangement_notes

    arrangement = arrangement_for(improv, ExportOptions(**options))
    kept = replace(arrangement, tracks=tuple(t for t in arrangement.tracks if t.role in heard))
    return arrangement_notes(kept), arrangement.length * seconds_per_beat
