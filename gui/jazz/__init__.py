"""The Jazz tab, as a package of panels (see :mod:`gui.jazz.tab`)."""

from gui.jazz.tab import JazzTab

__all__ = ["JazzTab"]
