"""Invent names: temperature, prefix, count, repeats and minimum length; the names drawn; copy and export.

Drawing and exporting run on workers, so a large request never holds up the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
)

from engine.atomic import write_text_atomic
from engine.jobs import Progress
from engine.names.defaults import MAX_LENGTH, SAMPLE_DEFAULTS
from engine.names.io import SavedModel
from engine.names.sample import sample_names
from gui.messages import show_error
from gui.names.name_items import KNOWN_COLOUR, name_item
from gui.names.widgets import WrappingRow, group
from gui.settings import last_folder, remember_folder
from gui.worker import JobWorker

__all__ = ["SamplingPanel"]


def _write_names(path: str, names: list[str]):
    yield Progress(0, None, f"Writing {Path(path).name}…")
    write_text_atomic(path, "\n".join(names) + "\n")
    return path


class SamplingPanel(QGroupBox):
    """The "Invent names" box; ``message(text)`` for the status bar."""

    message = Signal(str)
    open_key = "names"

    def __init__(self):
        super().__init__("Invent names")
        self.saved: SavedModel | None = None  # the model names are drawn from
        self._asked = 0  # how many names the last Generate asked for
        self._export_path = ""  # where the names are being exported
        self.sampler = JobWorker(self)
        self.sampler.finished.connect(self._on_sampled)
        self.sampler.failed.connect(lambda message, _trace: show_error(self, "Cannot generate names", message))
        self.sampler.running_changed.connect(self.update_actions)
        self.files = JobWorker(self)
        self.files.finished.connect(lambda path: self.message.emit(f"Exported {self.sample_list.count()} names to {path}"))
        self.files.failed.connect(
            lambda message, _trace: show_error(self, "Cannot export the names", f"{self._export_path}: {message}"))

        self.temp_slider = QSlider(Qt.Orientation.Horizontal)
        self.temp_slider.setRange(10, 200)
        self.temp_slider.setSingleStep(5)
        self.temp_slider.setPageStep(10)
        self.temp_slider.setMinimumWidth(90)
        self.temp_slider.setMaximumWidth(240)
        self.temp_slider.setToolTip("Temperature: below 1 the model plays safe, above 1 it takes risks.")
        self.temp_label = QLabel("1.00")
        self.temp_label.setMinimumWidth(30)
        self.temp_slider.valueChanged.connect(lambda v: self.temp_label.setText(f"{v / 100:.2f}"))
        self.temp_slider.setValue(round(100 * SAMPLE_DEFAULTS.temperature))
        self.prefix_edit = QLineEdit()
        self.prefix_edit.setPlaceholderText("start with…")
        self.prefix_edit.setMaxLength(40)
        self.prefix_edit.setToolTip("Optional prefix: every name starts with it (the model is primed with it).")
        self.prefix_edit.setMinimumWidth(90)
        self.prefix_edit.setMaximumWidth(130)
        self.prefix_edit.returnPressed.connect(self.generate)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 5000)
        self.count_spin.setValue(SAMPLE_DEFAULTS.count)
        self.count_spin.setToolTip("How many names.")
        self.min_length_spin = QSpinBox()
        self.min_length_spin.setRange(1, MAX_LENGTH)
        self.min_length_spin.setValue(SAMPLE_DEFAULTS.min_length)
        self.min_length_spin.setToolTip("Shortest name, in characters (the prefix counts).")
        self.unique_check = QCheckBox("No repeats")
        self.unique_check.setChecked(SAMPLE_DEFAULTS.unique)
        self.unique_check.setToolTip("Draw until every name in the list is different.")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setMinimumWidth(96)
        self.generate_button.clicked.connect(self.generate)
        self.sampling_row = WrappingRow(
            group(QLabel("Temperature"), self.temp_slider, self.temp_label),
            [group(QLabel("Prefix"), self.prefix_edit), group(QLabel("Count"), self.count_spin),
             group(QLabel("Min length"), self.min_length_spin), self.unique_check],
            self.generate_button,
        )
        self.sample_list = self._build_list()
        self.sample_summary = QLabel("Train a model, or load a saved one, to invent names.")
        self.sample_summary.setTextFormat(Qt.TextFormat.RichText)
        self.sample_summary.setWordWrap(True)
        self.sample_summary.setMinimumWidth(120)  # wraps instead of widening the pane
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected names (all when none is selected), one per line.")
        self.copy_button.clicked.connect(self.copy_names)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the names to a text file, one per line.")
        self.export_button.clicked.connect(self.export_dialog)
        footer = QHBoxLayout()
        footer.addWidget(self.sample_summary, 1)
        footer.addWidget(self.copy_button)
        footer.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sampling_row)
        layout.addWidget(self.sample_list, 1)
        layout.addLayout(footer)
        self.update_actions()

    @staticmethod
    def _build_list() -> QListWidget:
        names = QListWidget()
        names.setViewMode(QListWidget.ViewMode.ListMode)
        names.setFlow(QListWidget.Flow.LeftToRight)  # rows of names; a long list scrolls down
        names.setWrapping(True)
        names.setResizeMode(QListWidget.ResizeMode.Adjust)
        names.setUniformItemSizes(True)  # every item gets the grid cell's size (_on_sampled)
        names.setViewportMargins(4, 4, 4, 4)  # names clear of the frame, on the list's own white
        palette = names.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
        names.setPalette(palette)
        names.setAutoFillBackground(True)
        names.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        names.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return names

    # -- drawing names ---------------------------------------------------------------------
    def set_model(self, saved: SavedModel | None) -> None:
        self.saved = saved
        self.update_actions()

    def generate(self) -> None:
        saved = self.saved
        if saved is None or self.sampler.is_running():
            return
        model, vocab, known, lowercase = saved.model, saved.vocab, saved.known_names, saved.lowercase
        n, temperature = self.count_spin.value(), self.temp_slider.value() / 100
        prefix, unique = self.prefix_edit.text().strip(), self.unique_check.isChecked()
        min_length = self.min_length_spin.value()
        self._asked = n

        def job():
            yield Progress(0, 1, "sampling")
            return sample_names(model, vocab, n, temperature=temperature, prefix=prefix, known=known,
                                unique=unique, lowercase=lowercase, min_length=min_length)

        self.sampler.start(job)

    def _on_sampled(self, names) -> None:
        self.sample_list.clear()
        self.sample_list.setGridSize(self._name_cell(names))
        for s in names:
            item = name_item(s.name, s.new, truncated=s.truncated)
            item.setSizeHint(self.sample_list.gridSize())
            self.sample_list.addItem(item)
        new = sum(s.new for s in names)
        text = (
            f"{len(names)} name{'' if len(names) == 1 else 's'}: <b>{new} new</b>, "
            f"<span style='color:{KNOWN_COLOUR}'><i>{len(names) - new} known</i></span> (already in the training names)"
        )
        if len(names) < self._asked:
            text += f"; only {len(names)} different of the {self._asked} asked for: the model keeps repeating itself"
        self.sample_summary.setText(text)
        self.update_actions()

    def _name_cell(self, names) -> QSize:
        """A grid cell as wide as the longest name (in italics, as known names are shown, with its '…' if cut).

        Only a name wider than the whole list (sampling stops at 50 characters) is elided.
        """
        font = self.sample_list.font()
        font.setItalic(True)
        metrics = QFontMetricsF(font)
        texts = [(s.name or "∅") + ("…" if s.truncated else "") for s in names]
        longest = max((metrics.horizontalAdvance(text) for text in texts), default=0.0)
        room = self.sample_list.viewport().width() - self.sample_list.verticalScrollBar().sizeHint().width()
        return QSize(int(max(min(longest + 24, room), 90)), int(metrics.height()) + 8)

    # -- using them ----------------------------------------------------------------------------
    def sampled_names(self, selected_only: bool = False) -> list[str]:
        items = self.sample_list.selectedItems() if selected_only else []
        if not items:
            items = [self.sample_list.item(i) for i in range(self.sample_list.count())]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items]

    def copy_names(self) -> None:
        names = self.sampled_names(selected_only=True)
        if names:
            QGuiApplication.clipboard().setText("\n".join(names) + "\n")
            self.message.emit(f"Copied {len(names)} name{'s' if len(names) != 1 else ''}")

    def export_dialog(self) -> None:
        if not self.sample_list.count():
            return
        start = str(Path(last_folder(self.open_key)) / "names.txt")
        path, _ = QFileDialog.getSaveFileName(self, "Export names", start, "Text files (*.txt);;All files (*)")
        if path:
            remember_folder(self.open_key, path)
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write the names to ``path`` on the worker, one per line."""
        if self.files.is_running():
            return
        names = self.sampled_names()
        self._export_path = path
        self.files.start(lambda: _write_names(path, names))

    def update_actions(self, *_args) -> None:
        self.generate_button.setEnabled(self.saved is not None and not self.sampler.is_running())
        has_names = self.sample_list.count() > 0
        self.copy_button.setEnabled(has_names)
        self.export_button.setEnabled(has_names)
