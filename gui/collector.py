"""Python's cyclic garbage collector, run in the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a
threshold is crossed -- in this application usually a job's worker thread,
which allocates the most. When that garbage holds Qt objects (a closed window,
a discarded widget caught in a cycle with a lambda slot), their C++ destructors
then run on the worker thread. There they take Qt's locks and wait for the GIL,
while the GUI thread holds the GIL and waits for those locks: a deadlock.

So automatic collection is switched off, and a timer in the GUI thread runs the
collections the thresholds would have run (generation 0, 1 or 2 by the same
counts), a few times a second. Nothing changes for code without a window.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector", "collect_in_gui_thread"]


class GuiThreadCollector(QObject):
    """Disables automatic garbage collection and collects from a timer in this object's thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 250):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold; returns it (None: no need)."""
        counts = gc.get_count()
        due = [gen for gen in range(3) if counts[gen] > self.thresholds[gen]]
        if not due:
            return None
        gc.collect(due[-1])
        return due[-1]


def collect_in_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector on ``app`` (the QApplication), once; returns it."""
    collector = app.findChild(GuiThreadCollector)
    if collector is None:
        collector = GuiThreadCollector(app)
    return collector
