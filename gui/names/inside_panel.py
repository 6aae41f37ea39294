"""Inside the names model: score a typed name character by character, watch one hidden unit, the likeliest names.

The computation is :mod:`engine.names.inspect`, always on a worker; this panel
only asks and colours the answers: each character of a scored name by its
surprise (-ln p, nats), each character of a list of names by one unit's value.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import Progress
from engine.names.ensemble import members_of
from engine.names.inspect import (
    FEATURES,
    QUANTITIES,
    NameScore,
    UnitSearch,
    UnitView,
    beam_search,
    iter_search_units,
    quantities,
    score_name,
    training_surprise,
    unit_view,
)
from engine.names.io import SavedModel
from gui.messages import show_error
from gui.worker import JobWorker

__all__ = ["InsidePanel", "surprise_colour", "unit_colour"]

UNIT_NAMES = 14  # names shown in the unit view


def surprise_colour(nats: float, worst: float) -> str:
    """White for a certain character, red for one as surprising as a blind guess (``worst`` = ln V)."""
    share = float(np.clip(nats / max(worst, 1e-9), 0.0, 1.0))
    return f"rgb(255,{int(255 - 170 * share)},{int(255 - 190 * share)})"


def unit_colour(value: float, low: float, high: float) -> str:
    """Blue below the middle of [low, high], red above, white in the middle."""
    middle, half = (low + high) / 2, max((high - low) / 2, 1e-9)
    share = float(np.clip((value - middle) / half, -1.0, 1.0))
    fade = int(255 - 180 * abs(share))
    return f"rgb(255,{fade},{fade})" if share >= 0 else f"rgb({fade},{fade},255)"


def _score_html(score: NameScore, worst: float) -> str:
    cells = "".join(
        f"<span style='background:{surprise_colour(s, worst)}' title='{s:.2f}'>&nbsp;{html.escape(c) or '⏎'}&nbsp;</span>"
        for c, s in zip(score.chars, score.surprise, strict=True)
    )
    lines = [f"<p style='font-size:14pt; font-family:monospace'>{cells}</p>",
             "<p>" + " · ".join(f"{html.escape(c) or 'end'}&nbsp;{s:.2f}" for c, s in zip(score.chars, score.surprise,
                                                                                          strict=True)) + "&nbsp;nats</p>",
             f"<p><b>{score.per_char:.3f} nats per character</b> (total {score.total:.2f})"]
    if score.better_than is not None:
        lines[-1] += f"; more likely than {100 * score.better_than:.0f}% of the training names"
    if score.known:
        lines[-1] += "; it is one of the training names"
    return "".join(lines) + "</p>"


def _unit_html(view: UnitView) -> str:
    title = f"{_quantity(view.quantity)}, unit {view.unit}" + (" (most active)" if view.chosen_as != "unit" else "")
    rows = []
    for name, values in zip(view.names, view.values, strict=True):
        rows.append("".join(
            f"<span style='background:{unit_colour(v, view.low, view.high)}' title='{v:+.2f}'>{html.escape(c)}</span>"
            for c, v in zip(name, values, strict=True)
        ))
    scale = " · ".join(f"{colour}&nbsp;{value:g}".replace("-", "−")
                       for colour, value in (("blue", view.low), ("white", (view.low + view.high) / 2), ("red", view.high)))
    return (f"<p><b>{html.escape(title)}</b> after each character ({scale})</p>"
            f"<p style='font-family:monospace; font-size:12pt; line-height:150%'>{'<br>'.join(rows)}</p>")


def _quantity(key: str) -> str:
    """The engine's name of a quantity, with its plain-text "c~" printed as the course writes it, c̃."""
    return QUANTITIES[key].replace("c~", "c̃")


def _whole(text: str) -> str:
    """``text`` as HTML that a line never breaks inside ("cell state c unit 5 (r −0.89)" stays on one line)."""
    return html.escape(text).replace(" ", "&nbsp;").replace("-", "−")


def _search_html(search: UnitSearch) -> str:
    parts = [f"<p><b>Units that follow a property of the place in the name</b> ({search.n_names:,} names, "
             f"{search.n_chars:,} characters; Pearson r)</p>"]
    for feature, found in search.matches.items():
        best = ", ".join(_whole(f"{_quantity(m.quantity)} unit {m.unit} (r {m.r:+.2f})") for m in found[:3])
        parts.append(f"<p><i>{html.escape(FEATURES[feature])}</i>: {best}</p>")
    return "".join(parts)


class InsidePanel(QWidget):
    """Score a name, show a unit, find the likeliest names; ``message(text)`` for the status bar."""

    message = Signal(str)

    def __init__(self):
        super().__init__()
        self.saved: SavedModel | None = None
        self._reference: np.ndarray | None = None  # training names' surprise per character, for ranks
        self.names_source: Callable[[], list[str]] | None = None  # the names a unit view shows (else training ones)
        self.worker = JobWorker(self)
        self.worker.finished.connect(self._on_answer)
        self.worker.failed.connect(lambda message, _trace: show_error(self, "Inside the model", message))
        self.worker.running_changed.connect(self.update_actions)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("a name to score, e.g. tyrannosaurus")
        self.name_edit.returnPressed.connect(self.score)
        self.score_button = QPushButton("Score")
        self.score_button.setToolTip("Colour each character by how surprising the model finds it (-ln p, nats).")
        self.score_button.clicked.connect(self.score)
        self.quantity_combo = QComboBox()
        self.unit_spin = QSpinBox()
        self.unit_spin.setRange(-1, 2047)
        self.unit_spin.setSpecialValueText("most active")
        self.unit_spin.setValue(-1)
        self.unit_spin.setPrefix("unit ")
        self.unit_button = QPushButton("Show unit")
        self.unit_button.setToolTip("One unit's value after every character of the names invented last.")
        self.unit_button.clicked.connect(self.show_unit)
        self.search_button = QPushButton("Search units")
        self.search_button.setToolTip("Rank every unit by how closely it follows the position in the name, the\n"
                                      "characters still to come, and vowels, over all the training names.")
        self.search_button.clicked.connect(self.search)
        self.beam_button = QPushButton("Likeliest names")
        self.beam_button.setToolTip("Beam search (width 10): the names the model finds most probable.")
        self.beam_button.clicked.connect(self.likeliest)
        self.view = QTextBrowser()
        self.view.setPlaceholderText("Train or load a model, then score a name or show a hidden unit.")
        self.note = QLabel(" ")
        self.note.setStyleSheet("color: #555")

        score_row, unit_row = QHBoxLayout(), QHBoxLayout()
        score_row.addWidget(self.name_edit, 1)
        score_row.addWidget(self.score_button)
        score_row.addWidget(self.beam_button)
        unit_row.addWidget(self.quantity_combo, 1)
        unit_row.addWidget(self.unit_spin)
        unit_row.addWidget(self.unit_button)
        unit_row.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.addLayout(score_row)
        layout.addLayout(unit_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)
        self.update_actions()

    def set_model(self, saved: SavedModel | None) -> None:
        self.saved, self._reference = saved, None
        self.quantity_combo.clear()
        if saved is not None:
            for quantity in quantities(saved.model):
                self.quantity_combo.addItem(_quantity(quantity), quantity)
            self.unit_spin.setMaximum(members_of(saved.model)[0].hidden - 1)  # the views look inside member 0
        self.update_actions()

    def update_actions(self, *_args) -> None:
        ready = self.saved is not None and not self.worker.is_running()
        for button in (self.score_button, self.unit_button, self.search_button, self.beam_button):
            button.setEnabled(ready)

    # -- asking ----------------------------------------------------------------------------
    def score(self) -> None:
        saved, text = self.saved, self.name_edit.text().strip()
        if saved is None or not text or self.worker.is_running():
            return
        reference = self._reference

        def job():
            yield Progress(0, None, "Scoring…")
            ref = reference if reference is not None else training_surprise(saved.model, saved.vocab,
                                                                             saved.known_names)
            score = score_name(saved.model, saved.vocab, text, lowercase=saved.lowercase, reference=ref,
                               known=saved.known_names)
            return ("score", (score, ref))

        self.worker.start(job)

    def show_unit(self, names: list[str] | None = None) -> None:
        saved = self.saved
        if saved is None or self.worker.is_running():
            return
        shown = names or (self.names_source() if self.names_source is not None else [])
        chosen = [n for n in shown if n][:UNIT_NAMES] or sorted(saved.known_names)[:UNIT_NAMES]
        unit = "most active" if self.unit_spin.value() < 0 else self.unit_spin.value()
        quantity = self.quantity_combo.currentData() or "hidden"

        def job():
            yield Progress(0, None, "Reading the names…")
            return ("unit", unit_view(saved.model, saved.vocab, chosen, unit, quantity, lowercase=saved.lowercase))

        self.worker.start(job)

    def search(self) -> None:
        saved = self.saved
        if saved is None or self.worker.is_running():
            return

        def job():
            result = yield from iter_search_units(saved.model, saved.vocab, saved.known_names,
                                                  lowercase=saved.lowercase)
            return ("search", result)

        self.worker.start(job)

    def likeliest(self) -> None:
        saved = self.saved
        if saved is None or self.worker.is_running():
            return

        def job():
            yield Progress(0, None, "Searching…")
            return ("beam", beam_search(saved.model, saved.vocab, 10, min_length=3, known=saved.known_names,
                                        lowercase=saved.lowercase))

        self.worker.start(job)

    def _on_answer(self, answer) -> None:
        kind, value = answer
        if kind == "score":
            score, self._reference = value
            self.view.setHtml(_score_html(score, float(np.log(self.saved.vocab.size))))
            self.message.emit(f"{score.name}: {score.per_char:.3f} nats per character")
        elif kind == "unit":
            self.view.setHtml(_unit_html(value))
            self.note.setText(f"{_quantity(value.quantity)}, unit {value.unit}")
        elif kind == "search":
            self.view.setHtml(_search_html(value))
        else:
            rows = "".join(f"<tr><td>{html.escape(b.name)}</td><td align='right'>{b.per_char:.3f}</td>"
                           f"<td>{'new' if b.new else '<i>known</i>'}</td></tr>" for b in value)
            self.view.setHtml("<p><b>The likeliest names</b> (beam search, width 10; nats per character)</p>"
                              f"<table cellpadding='2'>{rows}</table>")

