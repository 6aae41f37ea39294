"""The Gradients tab, a package of panels: settings, the check table, the flow plot, the heatmap, the equations."""

from gui.gradients.check_table import COL_NUMERIC, COL_TF, COLUMNS, VERDICT_COLOURS
from gui.gradients.tab import GradientsTab

__all__ = ["GradientsTab", "VERDICT_COLOURS", "COLUMNS", "COL_NUMERIC", "COL_TF"]
