"""The Gradients tab's settings: the model and the random problem, read as one LabConfig."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox

from engine.gradient_lab import LIMITS, SCALE_RANGE, LabConfig
from gui.gradients.check_table import CELL_LABELS
from gui.settings import bind

__all__ = ["SettingsPanel"]

class SettingsPanel(QObject):
    """Two group boxes (``model_box``, ``problem_box``) and the TensorFlow tick; ``changed`` on any edit."""

    changed = Signal()
    cell_changed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        defaults = LabConfig()
        self.model_box = QGroupBox("Model")
        form = QFormLayout(self.model_box)
        self.cell_combo = QComboBox()
        for key in ("rnn", "lstm", "both"):
            self.cell_combo.addItem(CELL_LABELS[key], key)
        self.cell_combo.setCurrentIndex(2)
        self.cell_combo.setToolTip("Which cell to check; with both, the two are plotted over each other.")
        self.cell_combo.currentIndexChanged.connect(self.changed)
        self.cell_combo.currentIndexChanged.connect(lambda: self.cell_changed.emit(self.cell_combo.currentData()))
        form.addRow("Cell", self.cell_combo)
        self.spins: dict[str, QSpinBox] = {}
        for name, label, tip in (
            ("n_x", "Inputs n_x", "Size of each input vector x⟨t⟩."),
            ("n_a", "Hidden n_a", "Size of the hidden state a⟨t⟩ (and the LSTM's memory c⟨t⟩)."),
            ("n_y", "Classes n_y", "Number of output classes of the softmax."),
        ):
            form.addRow(label, self._spin(name, getattr(defaults, name), tip))

        self.problem_box = QGroupBox("Problem")
        form = QFormLayout(self.problem_box)
        form.addRow("Batch m", self._spin("m", defaults.m, "Number of sequences in the batch."))
        form.addRow("Time steps T_x", self._spin("T_x", defaults.T_x, "Length of the sequences (time steps)."))
        form.addRow("Seed", self._spin("seed", defaults.seed, "Seed of the random inputs, targets and weights."))
        self.scale_spin = QDoubleSpinBox()
        self.scale_spin.setRange(*SCALE_RANGE)
        self.scale_spin.setDecimals(2)
        self.scale_spin.setSingleStep(0.1)
        self.scale_spin.setValue(defaults.scale)
        self.scale_spin.setToolTip(
            "Weights are drawn from scale · N(0, 1/fan-in).\n"
            "Below 1 the gradient vanishes as it flows back in time; above 1 the RNN's grows until tanh saturates."
        )
        self.scale_spin.valueChanged.connect(self.changed)
        self.loss_combo = QComboBox()
        self.loss_combo.addItem("All time steps", "all")
        self.loss_combo.addItem("Last time step", "last")
        self.loss_combo.setToolTip(
            "The loss the gradient check differentiates: cross-entropy of the softmax outputs against random\n"
            "targets, summed over every step or taken on the last step only (averaged over the batch).\n"
            "The gradient-flow plot always follows the last step's loss: that is what shows the slope."
        )
        self.loss_combo.currentIndexChanged.connect(self.changed)
        form.addRow("Weight scale", self.scale_spin)
        form.addRow("Checked loss", self.loss_combo)

        self.tf_check = QCheckBox("Cross-check with TensorFlow")
        self.tf_check.setChecked(True)
        self.tf_check.setToolTip("The same forward pass written in TensorFlow, differentiated by GradientTape (float64).")
        self.tf_check.toggled.connect(self.changed)

    def _spin(self, name: str, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        low, high = LIMITS[name]
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.valueChanged.connect(self.changed)
        self.spins[name] = spin
        return spin

    # -- the config --------------------------------------------------------------------
    def config(self, use_tf: bool | None = None) -> LabConfig:
        """The settings shown in the controls."""
        return LabConfig(
            cell=self.cell_combo.currentData(),
            scale=round(self.scale_spin.value(), 2),
            loss=self.loss_combo.currentData(),
            use_tf=self.tf_check.isChecked() if use_tf is None else use_tf,
            **{name: spin.value() for name, spin in self.spins.items()},
        )

    def set_config(self, config: LabConfig) -> None:
        """Show ``config`` in the controls."""
        config.validate()
        self.cell_combo.setCurrentIndex(self.cell_combo.findData(config.cell))
        for name, spin in self.spins.items():
            spin.setValue(getattr(config, name))
        self.scale_spin.setValue(config.scale)
        self.loss_combo.setCurrentIndex(self.loss_combo.findData(config.loss))
        self.tf_check.setChecked(config.use_tf)

    # -- remembered between sessions -------------------------------------------------------
    def bind_settings(self) -> None:
        """Show the remembered values (the tab's save_state writes them back with gui.settings.save_bound)."""
        for name, spin in self.spins.items():
            bind(spin, f"gradients/{name}")
        bind(self.cell_combo, "gradients/cell")
        bind(self.scale_spin, "gradients/scale")
        bind(self.loss_combo, "gradients/loss")
        bind(self.tf_check, "gradients/use_tf")
