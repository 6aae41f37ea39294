"""The gradient check as a table: one row per array, its relative errors coloured by verdict."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from engine.gradient_lab import LabConfig, LabResult
from gui.plotting import PALETTE

__all__ = ["CheckTable", "VERDICT_COLOURS", "VERDICT_TEXT", "COLUMNS", "COL_NUMERIC", "COL_TF", "verdict_legend",
           "verdict_summary", "CELL_COLOURS", "CELL_LABELS", "shape_text"]

# Light tints of the palette, one per verdict (backgrounds of the error cells).
VERDICT_COLOURS = {
    "good": "#d5efe4",
    "acceptable": "#eef3c9",
    "suspicious": "#fde6bd",
    "wrong": "#f6cfbf",
    "unresolved": "#e4e4e4",
}
VERDICT_TEXT = {
    "good": "good: ≤ 1e-7",
    "acceptable": "acceptable: ≤ 1e-5",
    "suspicious": "suspicious: ≤ 1e-3",
    "wrong": "wrong: > 1e-3",
    "unresolved": "unresolved: too small for centred differences",
}
CELL_COLOURS = {"rnn": "blue", "lstm": "orange"}
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "both": "RNN and LSTM"}
# The verdicts come right after the name, so a narrow table still shows them without scrolling.
COLUMNS = ("Cell", "Gradient", "vs numerical", "vs TF", "Shape", "Norm")
COL_NAME, COL_NUMERIC, COL_TF = 1, 2, 3
TABLE_MIN_WIDTH = 260


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def verdict_summary(result: LabResult) -> str:
    """E.g. 'Against centred differences: 18 good, 1 unresolved (worst 7.9e-01). Against TensorFlow: ...'"""
    rows = result.rows
    parts = []
    columns = [("centred differences", [r.numeric_verdict() for r in rows], [r.rel_err_numeric for r in rows])]
    tf = [r for r in rows if r.rel_err_tf is not None]
    if tf:
        columns.append(("TensorFlow", [r.tf_verdict() for r in tf], [r.rel_err_tf for r in tf]))
    for label, verdicts, errors in columns:
        counts = ", ".join(f"{verdicts.count(v)} {v}" for v in VERDICT_COLOURS if verdicts.count(v))
        parts.append(f"Against {label}: {counts} (worst {max(errors):.1e}).")
    return " ".join(parts)


def verdict_legend() -> QLabel:
    """One wrapping line under the table: what each colour of the error columns means (the formula as its tip)."""
    chips = " ".join(
        f"<span style='background:{VERDICT_COLOURS[key]}'>&nbsp;{text.replace(' ', '&nbsp;')}&nbsp;</span>"
        for key, text in VERDICT_TEXT.items()
    )
    legend = QLabel(f"<span style='color:#555'>Relative error:</span> {chips}")
    legend.setTextFormat(Qt.TextFormat.RichText)
    legend.setWordWrap(True)
    legend.setMinimumWidth(120)  # wraps between the colours instead of widening the pane
    legend.setToolTip("Relative error per array: ‖analytic − reference‖ / max(‖analytic‖, ‖reference‖),\n"
                      "the reference being centred differences or TensorFlow.")
    return legend


class SelectionOutlineDelegate(QStyledItemDelegate):
    """Shows the selected row as an outline, so the verdict colours of its cells stay visible.

    The usual selection fill would paint over them. (The view fills a selected row's panel with
    the highlight before the delegate paints, so every cell here paints its whole background.)
    Cells without a colour of their own get a light tint of the highlight.
    """

    OUTLINE = 2  # px

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        if not option.state & QStyle.StateFlag.State_Selected:
            super().paint(painter, option, index)
            return
        plain = QStyleOptionViewItem(option)
        plain.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        highlight = option.palette.color(QPalette.ColorRole.Highlight)
        if index.data(Qt.ItemDataRole.BackgroundRole) is None:
            tint = QColor(highlight)
            tint.setAlpha(40)
            painter.fillRect(option.rect, option.palette.base())
            painter.fillRect(option.rect, tint)
        super().paint(painter, plain, index)
        rect, width = option.rect, self.OUTLINE
        painter.fillRect(rect.left(), rect.top(), rect.width(), width, highlight)
        painter.fillRect(rect.left(), rect.bottom() - width + 1, rect.width(), width, highlight)
        if index.column() == 0:
            painter.fillRect(rect.left(), rect.top(), width, rect.height(), highlight)
        if index.column() == index.model().columnCount() - 1:
            painter.fillRect(rect.right() - width + 1, rect.top(), width, rect.height(), highlight)


class CheckTable(QGroupBox):
    """The summary line, the table of arrays and the TensorFlow note; ``row_chosen(key)`` names a clicked row."""

    row_chosen = Signal(str)  # "cell:name" of the array whose row was clicked or selected

    def __init__(self):
        super().__init__("Gradient check")
        box = QVBoxLayout(self)
        self.summary_label = QLabel("No check yet: press Run.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setMinimumWidth(120)  # a wrapping label would otherwise ask for ~400 px
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        # Columns as wide as their contents, the last one taking what is left; a narrow table scrolls sideways.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setItemDelegate(SelectionOutlineDelegate(self.table))
        self.table.setToolTip("Click a row to show that gradient in the heatmap.")
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.cellClicked.connect(self._on_clicked)  # also when the row was selected already
        self.tf_note = QLabel("")
        self.tf_note.setWordWrap(True)
        self.tf_note.setMinimumWidth(120)
        self.tf_note.setStyleSheet("color: #555")
        box.addWidget(self.summary_label)
        box.addWidget(self.table, 1)
        self.legend = verdict_legend()
        box.addWidget(self.legend)
        box.addWidget(self.tf_note)
        self.setMinimumWidth(TABLE_MIN_WIDTH)

    # -- filling ---------------------------------------------------------------------
    def show_result(self, result: LabResult) -> None:
        rows = result.rows
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        with QSignalBlocker(self.table):
            self.table.clearContents()
            self.table.setRowCount(len(rows))
            for i, row in enumerate(rows):
                cell = QTableWidgetItem(row.cell.upper())
                cell.setForeground(QBrush(QColor(PALETTE[CELL_COLOURS[row.cell]])))
                name = QTableWidgetItem(row.name)
                name.setFont(mono)
                name.setData(Qt.ItemDataRole.UserRole, f"{row.cell}:{row.name}")
                norm = QTableWidgetItem(f"{row.norm:.2e}")
                norm.setToolTip(f"‖{row.name}‖ = {row.norm:.6e}")
                items = [
                    cell,
                    name,
                    _error_item(row.rel_err_numeric, row.numeric_verdict(), row.numeric_floor),
                    _error_item(row.rel_err_tf, row.tf_verdict()),
                    QTableWidgetItem(shape_text(row.shape)),
                    norm,
                ]
                for j, item in enumerate(items):
                    self.table.setItem(i, j, item)

    def show_summary(self, result: LabResult, shown: LabConfig, tf_ticked: bool) -> None:
        """The summary of ``result``, and whether the controls (``shown``) still describe it."""
        loss = "all steps" if result.config.loss == "all" else "the last step"
        text = f"<b>{CELL_LABELS[result.config.cell]}</b>, loss on {loss}. {verdict_summary(result)}"
        if shown != result.config:
            text += " <span style='color:#b35900'>Settings changed since: press Run.</span>"
        self.summary_label.setText(text)
        self.tf_note.setText(_tf_note(result, tf_ticked))
        self._label_empty_tf_cells(_empty_tf_text(result, tf_ticked))

    def _label_empty_tf_cells(self, text: str) -> None:
        """Say in the TensorFlow column itself why it is empty (rather than a bare dash)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL_TF)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) is None:
                item.setText(text)

    # -- rows and the heatmap ----------------------------------------------------------
    def select_key(self, key: str | None) -> None:
        """Select the row of array ``key`` ("cell:name"), or none when no row shows it."""
        with QSignalBlocker(self.table):
            for row in range(self.table.rowCount()):
                item = self.table.item(row, COL_NAME)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                    self.table.selectRow(row)
                    break
            else:
                self.table.clearSelection()
        self.table.viewport().update()

    def _on_selection(self) -> None:
        """Selecting a row (by mouse or keyboard) shows that gradient in the heatmap."""
        items = self.table.selectedItems()
        if items:
            self._on_clicked(items[0].row())

    def _on_clicked(self, row: int, _column: int = 0) -> None:
        item = self.table.item(row, COL_NAME)
        if item is not None:
            self.row_chosen.emit(item.data(Qt.ItemDataRole.UserRole))


def _empty_tf_text(result: LabResult, tf_ticked: bool) -> str:
    """What an unchecked TensorFlow cell says: why it is empty, in a word or two."""
    if result.tf_status == "skipped":
        return "press Run" if tf_ticked else "off"
    if result.tf_status == "pending":
        return "…"
    return "—"


def _tf_note(result: LabResult, tf_ticked: bool) -> str:
    status = result.tf_status
    if status == "skipped":
        if tf_ticked:
            return "TensorFlow column: press Run (TensorFlow takes a few seconds to load)."
        return "TensorFlow column: tick “Cross-check with TensorFlow” and press Run."
    if status == "pending":
        return "TensorFlow column: loading TensorFlow and differentiating…"
    if status == "checked":
        return (f"Numerical check {result.numeric_seconds:.2f} s; "
                f"TensorFlow autodiff (float64 GradientTape) {result.tf_seconds:.2f} s.")
    return status


def _error_item(value: float | None, verdict: str | None, floor: float | None = None) -> QTableWidgetItem:
    if value is None:
        item = QTableWidgetItem("—")
        item.setForeground(QBrush(QColor("#999999")))
        item.setToolTip("Not checked against TensorFlow in this run.")
    else:
        item = QTableWidgetItem(f"{value:.1e}  {verdict}")
        item.setBackground(QBrush(QColor(VERDICT_COLOURS[verdict])))
        tip = VERDICT_TEXT[verdict]
        if floor is not None:
            tip += f"\nCentred differences can resolve this array to about {floor:.0e}."
        if verdict == "unresolved":
            tip += (
                "\nThe gradient is so small next to the loss that rounding swamps the differences;"
                "\njudge it by the TensorFlow column."
            )
        item.setToolTip(tip)
    item.setData(Qt.ItemDataRole.UserRole, verdict)
    item.setTextAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
    return item
