"""Garbage cycles holding Qt objects are collected in the GUI thread, never on a job's thread."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from engine.jobs import Progress
from gui.collector import GuiThreadCollector, collect_in_gui_thread
from gui.worker import JobWorker


class _Cycle:
    """A QObject in a reference cycle, telling which thread finally frees it."""

    freed_in: list[str] = []

    def __init__(self):
        self.me = self
        self.qobject = QObject()

    def __del__(self):
        _Cycle.freed_in.append(threading.current_thread().name)


def _allocating_job(n: int = 100_000):
    """Allocates far more containers than the first collection threshold, on the job's thread.

    They are returned, so they stay alive: freeing them would lower the collector's
    allocation count again and leave it to chance whether a collection is due.
    """
    kept = [[i] for i in range(n)]
    yield Progress(1, 1, "allocated")
    return kept


def test_the_application_collects_in_its_own_thread(qtbot):
    from gui.app import create_application

    app = create_application()
    collector = collect_in_gui_thread(app)
    assert collect_in_gui_thread(app) is collector  # once per application
    assert not gc.isenabled() and collector.timer.isActive()

    _Cycle.freed_in.clear()
    for _ in range(50):
        _Cycle()  # garbage at once: only the cycle collector can free it
    worker = JobWorker()
    with qtbot.waitSignal(worker.finished, timeout=30_000) as blocker:
        worker.start(_allocating_job)
    assert len(blocker.args[0]) == 100_000
    assert _Cycle.freed_in == [] or set(_Cycle.freed_in) == {threading.main_thread().name}
    live = [[] for _ in range(2 * collector.thresholds[0])]  # new objects: a collection is due
    qtbot.waitUntil(lambda: len(_Cycle.freed_in) == 50, timeout=5_000)  # the timer's collection
    del live
    assert set(_Cycle.freed_in) == {threading.main_thread().name}


def test_check_runs_the_generation_the_thresholds_call_for(qtbot):
    collector = GuiThreadCollector()
    try:
        collector.timer.stop()
        gc.collect()
        assert collector.check() is None  # nothing counted since the full collection
        garbage = [[] for _ in range(collector.thresholds[0] + 10)]
        assert collector.check() == 0
        del garbage
    finally:
        collector.deleteLater()
