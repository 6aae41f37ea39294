"""The Names tab: a character-level language model that invents names."""

from gui.planned import PlannedTab


class NamesTab(PlannedTab):
    def __init__(self, parent=None):
        super().__init__(
            "Names",
            "Train a character-level model on dinosaur names, or on any list of names you open.",
            [
                "Live training and validation loss curves",
                "Names sampled while the model trains",
                "Temperature, prefix and export of generated names",
            ],
            parent,
        )
