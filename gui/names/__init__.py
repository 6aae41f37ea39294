"""The Names tab, a package of panels: corpus, training, model, loss plot, names sampled, invented names."""

from gui.names.tab import NamesTab

__all__ = ["NamesTab"]
