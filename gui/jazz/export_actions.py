"""Writing variations out: Export MIDI…, Save WAV…, and the files the drag handles hand over.

Every MIDI file is written by the engine on a worker, never in the GUI thread.
For dragging, each variation's .mid is written into the session's temporary
folder as soon as the variations (or the tempo and instruments) change, so a
drag can start at once; a drag that comes before the file is ready asks for a
moment.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog

from gui.jazz.jobs import export_job, lead_sheet_job, midi_files_job
from gui.jazz.playback import Playback
from gui.jazz.session import JazzSession
from gui.jazz.sound_panel import SoundPanel
from gui.settings import last_folder, remember_folder
from gui.worker import JobWorker

__all__ = ["ExportActions", "EXPORT_KEY"]

EXPORT_KEY = "jazz-export"


class ExportActions(QObject):
    """Export, Save WAV and drag files for the session's variations."""

    def __init__(self, session: JazzSession, sound: SoundPanel, playback: Playback):
        super().__init__(session)
        self.session, self.sound, self.playback = session, sound, playback
        self.generation = 0  # counts Generate runs: files of older variations are stale
        self._files: dict[int, Path] = {}
        self._files_key: tuple | None = None  # what the files in _files were written for
        self.files_worker = JobWorker(self)
        self.files_worker.finished.connect(self._on_files_written)
        self.files_worker.failed.connect(lambda message, _trace: self.session.report(
            f"Could not prepare the MIDI files to drag: {message}"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.prepare_files)
        session.variations_changed.connect(self._on_variations)
        sound.tempo_spin.valueChanged.connect(self._debounce.start)
        sound.band.changed.connect(self._debounce.start)

    # -- names ----------------------------------------------------------------------------
    def default_export_name(self, index: int, suffix: str = ".mid") -> str:
        improv, model = self.session.variations[index], self.session.model
        stem = Path(model.source.name).stem if model is not None else "jazz"
        return f"{stem}-improv{index + 1}-seed{improv.seed}{suffix}"

    # -- files for dragging -------------------------------------------------------------------
    def _key(self) -> tuple:
        return self.generation, tuple(sorted((k, str(v)) for k, v in self.sound.export_options().items()))

    def _on_variations(self) -> None:
        self.generation += 1
        self._files, self._files_key = {}, None
        self.prepare_files()

    def prepare_files(self) -> None:
        """Write every variation's .mid for dragging (in the worker), unless they are current."""
        variations = list(self.session.variations)
        if not variations or self._files_key == self._key() or self.files_worker.is_running():
            return  # (a running one is followed by another when it ends, if the choices changed)
        key, options = self._key(), self.sound.export_options()
        folder = self.session.temp_folder()
        paths = [folder / self.default_export_name(i) for i in range(len(variations))]
        self.files_worker.start(lambda: self._written_for(key, midi_files_job(variations, paths, options)))

    @staticmethod
    def _written_for(key: tuple, job):
        paths = yield from job
        return key, paths

    def _on_files_written(self, result) -> None:
        key, paths = result
        if key[0] == self.generation:
            self._files, self._files_key = dict(enumerate(paths)), key
        self.prepare_files()  # the choices may have changed while it wrote

    def drag_file(self, index: int) -> Path | None:
        """The written .mid of variation ``index`` for the current choices, or None while it is written."""
        if self._files_key == self._key() and index in self._files:
            return self._files[index]
        self.prepare_files()
        return None

    # -- export and WAV ------------------------------------------------------------------
    def export_dialog(self, index: int) -> None:
        default = str(Path(last_folder(EXPORT_KEY)) / self.default_export_name(index))
        path, _ = QFileDialog.getSaveFileName(self.session.widget, "Export MIDI", default, "MIDI files (*.mid)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.export_variation(index, path)

    def export_variation(self, index: int, path: str, confirm: bool = True) -> bool:
        """Write variation ``index`` to ``path`` (in the worker); asks before replacing a file."""
        session, target = self.session, Path(path)
        if target.suffix.lower() not in (".mid", ".midi"):
            target = target.with_suffix(".mid")
        if confirm and target.exists() and not session.ask_replace(target):
            return False
        remember_folder(EXPORT_KEY, str(target))
        improv, options = session.variations[index], self.sound.export_options()
        return session.run_task("Export MIDI", lambda: export_job(improv, str(target), options),
                                lambda p: session.report(f"Exported {Path(p).name} ({options['tempo']:.0f} BPM)."))

    def save_wav_dialog(self, index) -> None:
        default = str(Path(last_folder(EXPORT_KEY)) / self.default_export_name(index, ".wav"))
        path, _ = QFileDialog.getSaveFileName(self.session.widget, "Save audio", default, "WAV audio (*.wav)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.playback.save_wav(index, path)

    def lead_sheet_dialog(self, index: int) -> None:
        default = str(Path(last_folder(EXPORT_KEY)) / self.default_export_name(index, ".musicxml"))
        path, _ = QFileDialog.getSaveFileName(self.session.widget, "Export lead sheet", default,
                                              "MusicXML lead sheets (*.musicxml *.mxl)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.export_lead_sheet(index, path)

    def export_lead_sheet(self, index: int, path: str, confirm: bool = True) -> bool:
        """Write variation ``index`` as a MusicXML lead sheet (melody and chord symbols; .mxl compressed)."""
        session, target = self.session, Path(path)
        if target.suffix.lower() not in (".musicxml", ".mxl", ".xml"):
            target = target.with_suffix(".musicxml")
        if confirm and target.exists() and not session.ask_replace(target):
            return False
        remember_folder(EXPORT_KEY, str(target))
        improv = session.variations[index]
        return session.run_task("Export lead sheet", lambda: lead_sheet_job(improv, target),
                                lambda p: session.report(f"Exported the lead sheet {Path(p).name}."))
