"""The Training box: settings, Train/Stop with progress, Save and Load model; and the curves it draws.

Train starts an :class:`engine.jazz.Training` job on the session's trainer. Stop
asks it to finish: the model of the epochs finished so far is kept (none before
the first). The settings are locked while it runs; until the first epoch ends
the bar is a busy indicator and the line below says what is happening
(loading TensorFlow takes seconds the first time).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QPushButton

from engine.jobs import Progress
from gui.jazz.curves import CurvesPlot
from gui.jazz.jobs import load_model_job, save_model_job
from gui.jazz.session import JazzSession
from gui.jazz.widgets import pair, real_spin, spin
from gui.job_panel import JobPanel
from gui.settings import bind, last_folder, remember_folder

__all__ = ["TrainingPanel", "MODEL_KEY"]

log = logging.getLogger(__name__)

MODEL_KEY = "jazz-models"


class TrainingPanel(QGroupBox):
    """Epochs, units, rate, seed; Train/Stop; Save model…, Load model…"""

    def __init__(self, session: JazzSession):
        super().__init__("Training")
        self.session = session
        self.history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        self.training = None  # the running engine.jazz.Training (keeps the model so far)
        self.curves = CurvesPlot()

        self.epochs_spin = bind(spin(1, 2000, 100, "Passes over all training windows", 10), "jazz/epochs")
        self.units_spin = bind(spin(4, 512, 64, "LSTM units n_a: the size of the network's memory", 8), "jazz/n_a")
        self.lr_spin = bind(real_spin(0.0001, 1.0, 0.01, 0.001, 4, "Adam's learning rate (the course uses 0.01)"),
                            "jazz/learning_rate")
        self.seed_spin = bind(spin(0, 2**31 - 1, 0, "Same seed, same data and settings: the same model"),
                              "jazz/train_seed")
        self.held_out_spin = bind(spin(0, 50, 15, "Share of the phrases kept out of training to measure how well the "
                                       "model generalises; training stops where they are best predicted", 5),
                                  "jazz/held_out")
        self.held_out_spin.setSuffix(" %")
        self.patience_spin = bind(spin(1, 200, 8, "Stop after this many epochs without a better held-out loss"),
                                  "jazz/patience")
        self.panel = JobPanel(session.trainer, run_text="Train", unit="Epoch", idle_text="Not trained yet")
        self.panel.button.setDefault(True)
        self.panel.run_requested.connect(self.start_training)
        self.panel.lock_while_running(self.epochs_spin, self.units_spin, self.lr_spin, self.seed_spin,
                                      self.held_out_spin, self.patience_spin)
        self.save_model_button = QPushButton("Save model…")
        self.save_model_button.clicked.connect(self.save_model_dialog)
        self.load_model_button = QPushButton("Load model…")
        self.load_model_button.clicked.connect(self.load_model_dialog)
        models = QHBoxLayout()
        models.setSpacing(8)
        models.addWidget(self.save_model_button)
        models.addWidget(self.load_model_button)
        form = QFormLayout(self)
        form.setVerticalSpacing(4)
        form.setContentsMargins(8, 4, 8, 6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(pair("Epochs", self.epochs_spin, "Units", self.units_spin))
        form.addRow(pair("Rate", self.lr_spin, "Seed", self.seed_spin))
        form.addRow(pair("Held out", self.held_out_spin, "Patience", self.patience_spin))
        form.addRow(self.panel)
        form.addRow(models)

        trainer = session.trainer
        trainer.progress.connect(self._on_progress)
        trainer.finished.connect(self._on_stopped_or_done)
        trainer.cancelled.connect(lambda: self._on_stopped_or_done(None))
        trainer.failed.connect(self._on_failed)

    # -- training ----------------------------------------------------------------------
    def settings(self):
        from engine.jazz.model import TrainSettings

        return TrainSettings(epochs=self.epochs_spin.value(), n_a=self.units_spin.value(),
                             learning_rate=self.lr_spin.value(), seed=self.seed_spin.value(),
                             validation=self.held_out_spin.value() / 100, patience=self.patience_spin.value())

    def start_training(self) -> None:
        session = self.session
        if session.corpus is None:
            session.error("Train", "Open a piece with a melody first.")
            return
        from engine.jazz.model import Training

        settings = self.settings()
        self.training = Training(session.corpus, settings)
        self.history = {"loss": [], "accuracy": []}
        self.curves.epochs_to_come = settings.epochs
        session.trainer.start(self.training.job)
        self.panel.set_note("Loading TensorFlow (a few seconds the first time)…")
        session.report(f"Training {settings.epochs} epochs on {session.corpus.token_count} tokens — "
                       "loading TensorFlow first…")
        self.curves.show_history(self.history, running=True)

    def _on_progress(self, event: Progress) -> None:
        if "loss" not in event.metrics:
            return
        for name, value in event.metrics.items():
            self.history.setdefault(name, []).append(value)
        self.curves.show_history(self.history, running=True)
        if len(self.history["loss"]) == 1:
            self.session.report(f"Training: {event.message}")

    def _on_stopped_or_done(self, result) -> None:
        """The job ended: its result, or (stopped) the model of the epochs it finished, or none."""
        training, self.training = self.training, None
        model = result if result is not None else (training.model if training is not None else None)
        total = training.settings.epochs if training is not None else self.curves.epochs_to_come
        session = self.session
        if model is None:
            self.panel.show_result("Stopped", full=False)
            kept = "the previous model is kept" if session.model is not None else "no model yet"
            if session.model is not None:  # the curves of the model that is kept
                self.history = {name: list(values) for name, values in session.model.history.items()}
            self.curves.show_history(self.history)
            self.panel.set_note(f"Stopped before the first epoch ended: {kept}.")
            session.report(f"Training stopped before the first epoch ended: {kept}.")
            return
        session.model = model
        done = model.epochs_trained
        outcome = getattr(training, "outcome", "") or _kept(model)
        stopped = getattr(model, "stopped", "")
        if stopped == "diverged":
            self.panel.show_result(f"Diverged at epoch {done + 1}", outcome)
            session.report(outcome)
        elif self.panel.stopped or stopped == "finished":
            self.panel.show_result(f"Stopped at epoch {done}/{total}", f"Model so far kept. {outcome}")
            session.report(f"Stopped after {done} of {total} epochs — the model so far is kept.")
        else:
            early = " (early stop)" if stopped == "early" else ""
            self.panel.show_result(f"Done: {done} epochs{early} in {model.seconds:.1f} s", outcome)
            session.report(f"Training finished in {model.seconds:.1f} s. {outcome} Press Generate to improvise.")
        self.history = {name: list(values) for name, values in model.history.items()}
        self.curves.show_history(self.history, best_epoch=getattr(model, "best_epoch", 0))
        session.model_changed.emit()

    def _on_failed(self, message: str, trace: str) -> None:
        log.warning("training failed: %s\n%s", message, trace)
        self.training = None
        self.panel.show_result("Failed", message, full=False)
        self.session.error("Training", message)

    # -- saving and loading models ------------------------------------------------------
    def save_model_dialog(self) -> None:
        model = self.session.model
        if model is None:
            return
        stem = Path(model.source.name).stem or "jazz"
        default = str(Path(last_folder(MODEL_KEY)) / f"{stem}-lstm{model.settings.n_a}")
        path, _ = QFileDialog.getSaveFileName(self, "Save model as a folder", default, "Model folders (*)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.save_model(path)

    def save_model(self, folder: str, confirm: bool = True) -> bool:
        """Save the current model as a folder (in the worker); asks before replacing a saved one."""
        target, session = Path(folder), self.session
        if confirm and target.exists() and any(target.iterdir()) and not session.ask_replace(target):
            return False
        remember_folder(MODEL_KEY, str(target.parent))
        model = session.model
        return session.run_task("Save model", lambda: save_model_job(model, folder),
                                lambda p: session.report(f"Model saved in {p}."))

    def load_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Load a saved model folder", last_folder(MODEL_KEY))
        if folder:
            self.load_model(folder)

    def load_model(self, folder: str) -> bool:
        remember_folder(MODEL_KEY, str(Path(folder).parent))
        return self.session.run_task("Load model", lambda: load_model_job(folder), self._on_model_loaded)

    def _on_model_loaded(self, model) -> None:
        session = self.session
        session.model = model
        self.history = {k: list(v) for k, v in model.history.items()}
        self.history.setdefault("accuracy", [])
        self.curves.epochs_to_come = 0
        self.curves.show_history(self.history, best_epoch=getattr(model, "best_epoch", 0))
        s, src = model.settings, model.source
        self.panel.show_result(f"Loaded: {model.epochs_trained} epochs",
                               f"Model learnt from {src.name} (melody '{src.melody_name}'): {s.n_a} units, "
                               f"{model.n_values} tokens; {_kept(model)} Generate improvises over its chords.")
        session.report(f"Loaded a model trained on {src.name}.")
        session.model_changed.emit()

    def update_enabled(self) -> None:
        session = self.session
        busy, training = session.busy(), session.training()
        self.panel.set_ready(session.corpus is not None and not busy)
        self.save_model_button.setEnabled(session.model is not None and not busy and not training)
        self.load_model_button.setEnabled(not busy and not training)


def _kept(model) -> str:
    """Which epoch's weights a model holds, and how they did: "kept epoch 12 (held-out loss 2.31, 41%)"."""
    best = getattr(model, "best_epoch", 0) or model.epochs_trained
    history = model.history
    k = best - 1
    if history.get("val_loss") and 0 <= k < len(history["val_loss"]):
        return f"Kept epoch {best}: held-out loss {history['val_loss'][k]:.3f}, accuracy {history['val_accuracy'][k]:.0%}."
    if history.get("loss") and 0 <= k < len(history["loss"]):
        return f"Kept epoch {best}: loss {history['loss'][k]:.3f}, accuracy {history['accuracy'][k]:.0%}."
    return ""
