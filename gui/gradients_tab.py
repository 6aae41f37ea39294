"""The Gradients tab: RNN and LSTM cells forward and backward, checked and made visible."""

from gui.planned import PlannedTab


class GradientsTab(PlannedTab):
    def __init__(self, parent=None):
        super().__init__(
            "Gradients",
            "Build RNN and LSTM cells step by step and look inside their forward and backward passes.",
            [
                "Gradient checks against numerical differentiation and TensorFlow autodiff",
                "Gradient norm over time steps: watch gradients vanish or explode",
                "Heatmaps of gradients and hidden activations",
            ],
            parent,
        )
