"""The Names tab's model box: what the model is, and saving and loading it (on a worker, never the GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.files import FileCheckError
from engine.jobs import Progress
from engine.names.io import SavedModel, load_model, model_path, save_model
from gui.messages import show_error
from gui.settings import last_folder, remember_folder
from gui.worker import JobWorker

__all__ = ["ModelPanel", "describe_model"]

MODEL_FILTER = "Names models (*.npz)"
NO_MODEL = "No model yet: train one or load a saved one."


def describe_model(saved: SavedModel) -> str:
    """One rich-text paragraph: cell, size, alphabet, the kept step and its validation loss, the corpus."""
    meta = saved.metadata
    members = meta.get("ensemble") or []
    characters = saved.vocab.size - 1  # the vocabulary's extra symbol ends a name
    size = f"{len(members)} members" if len(members) > 1 else f"{saved.model.hidden} units"
    parts = [f"<b>{saved.model.cell.upper()}</b>, {size}, {characters} characters (+ the end of a name)"]
    steps, kept = meta.get("steps"), meta.get("best_step")
    if steps:
        parts.append(f"{int(steps):,} steps" + (f", kept step {int(kept):,}" if kept and kept != steps else ""))
    if meta.get("val_loss") is not None:
        parts.append(f"validation {float(meta['val_loss']):.3f} nats/\u2060char")  # (a word joiner: never "nats/" at a line end)
    text = ", ".join(parts)
    source = (meta.get("corpus") or {}).get("source")
    if source:
        text += f"<br>trained on {Path(source).name}"
    return text


def _save(path: Path, saved: SavedModel):
    yield Progress(0, None, f"Saving {path.name}…")
    meta = dict(saved.metadata)
    hyperparameters = meta.pop("hyperparameters", None) or saved.hyperparameters
    save_model(path, saved.model, saved.vocab, lowercase=saved.lowercase, known_names=saved.known_names,
               config=None, extra={"hyperparameters": hyperparameters, **meta})
    return ("saved", path)


def _load(path: str):
    yield Progress(0, None, f"Reading {Path(path).name}…")
    return ("loaded", load_model(path))


class ModelPanel(QGroupBox):
    """The model box. ``loaded(SavedModel, path)`` after a load; ``message(text)`` for the status bar."""

    loaded = Signal(object, str)
    message = Signal(str)
    open_key = "names"

    def __init__(self):
        super().__init__("Model")
        self.files = JobWorker(self)  # saving and loading
        self.files.finished.connect(self._on_done)
        self.files.failed.connect(self._on_failed)
        self._path = ""  # the file being saved or loaded
        self._action = ""  # "save" or "load"
        self.saved: SavedModel | None = None
        layout = QVBoxLayout(self)
        self.model_label = QLabel(NO_MODEL)
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        self.model_label.setStyleSheet("color: #444")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the model (weights, vocabulary and settings) to a .npz file.")
        self.save_button.clicked.connect(self.save_dialog)
        self.load_button = QPushButton("Load…")
        self.load_button.setToolTip("Load a model saved earlier.")
        self.load_button.clicked.connect(self.load_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.load_button)
        layout.addWidget(self.model_label)
        layout.addLayout(buttons)

    def show_model(self, saved: SavedModel | None) -> None:
        self.saved = saved
        self.model_label.setText(NO_MODEL if saved is None else describe_model(saved))

    # -- files -------------------------------------------------------------------------
    def save_dialog(self) -> None:
        if self.saved is None:
            return
        start = str(Path(last_folder(self.open_key)) / "names-model.npz")
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", start, MODEL_FILTER)
        if path:
            remember_folder(self.open_key, path)
            self.save_to(path)

    def save_to(self, path: str) -> None:
        """Save the model to ``path`` (``.npz`` added when missing) on the worker."""
        saved = self.saved
        if saved is None or self.files.is_running():
            return
        try:
            target = model_path(path)
        except FileCheckError as exc:
            show_error(self, "Cannot save the model", str(exc))
            return
        self._path, self._action = str(target), "save"
        self.files.start(lambda: _save(target, saved))

    def load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a model", last_folder(self.open_key), MODEL_FILTER)
        if path:
            remember_folder(self.open_key, path)
            self.load_from(path)

    def load_from(self, path: str) -> None:
        if self.files.is_running():
            return
        self._path, self._action = path, "load"
        self.files.start(lambda: _load(path))

    def _on_done(self, outcome) -> None:
        what, value = outcome
        if what == "saved":
            self.message.emit(f"Model saved to {value}")
            return
        self.show_model(value)
        self.message.emit(f"Model loaded from {self._path}")
        self.loaded.emit(value, self._path)

    def _on_failed(self, message: str, _trace: str) -> None:
        if self._action == "save":
            show_error(self, "Cannot save the model", f"{self._path}: {message}")
        else:
            show_error(self, "Cannot load the model", message)
