"""The worker runs engine jobs off the GUI thread and reports through signals."""

import sys
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QWidget

from engine.jobs import Progress
from gui.worker import JobWorker


class Recorder:
    """Collects every signal of a worker, in arrival order, with the thread it arrived on."""

    def __init__(self, worker: JobWorker):
        self.events = []
        self.threads = set()
        worker.progress.connect(lambda e: self._add("progress", e))
        worker.finished.connect(lambda r: self._add("finished", r))
        worker.failed.connect(lambda m, tb: self._add("failed", (m, tb)))
        worker.cancelled.connect(lambda: self._add("cancelled", None))

    def _add(self, kind, value):
        self.threads.add(threading.get_ident())
        self.events.append((kind, value))

    def kinds(self):
        return [k for k, _ in self.events]

    def terminal(self):
        return [k for k in self.kinds() if k != "progress"]


def steps(n, pause=0.0, cleanup=None):
    try:
        for i in range(n):
            if pause:
                time.sleep(pause)
            yield Progress(step=i + 1, total=n, message=f"step {i + 1}")
        return {"steps": n}
    finally:
        if cleanup is not None:
            cleanup.append(threading.get_ident())


@pytest.fixture
def worker(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    w = JobWorker(owner)
    yield w
    w.shutdown()


def test_events_arrive_in_order_in_the_gui_thread_then_the_result(qtbot, worker):
    rec = Recorder(worker)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start(lambda: steps(20))
    assert rec.kinds() == ["progress"] * 20 + ["finished"]
    assert [e.step for k, e in rec.events if k == "progress"] == list(range(1, 21))
    assert rec.events[-1][1] == {"steps": 20}
    assert rec.threads == {threading.get_ident()}
    assert not worker.is_running()


def test_the_job_runs_on_another_thread(qtbot, worker):
    ran_on = []
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start(lambda: steps(1, cleanup=ran_on))
    assert ran_on and ran_on[0] != threading.get_ident()


def test_an_exception_in_the_job_becomes_failed_with_its_message(qtbot, worker):
    rec = Recorder(worker)

    def broken():
        yield Progress(step=1)
        raise ValueError("corpus has fewer than 10 names")

    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start(broken)
    message, trace = blocker.args
    assert message == "corpus has fewer than 10 names"
    assert "ValueError" in trace and "broken" in trace
    assert rec.terminal() == ["failed"]


def test_an_exception_while_building_the_job_is_reported_too(qtbot, worker):
    def make():
        raise FileNotFoundError("no such file: x.mid")

    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start(make)
    assert "x.mid" in blocker.args[0]


def test_cancel_stops_a_job_within_200_ms_and_runs_its_cleanup(qtbot, worker):
    rec = Recorder(worker)
    cleanup = []
    worker.start(lambda: steps(10_000, pause=0.05, cleanup=cleanup))
    qtbot.waitUntil(lambda: len(rec.events) >= 3, timeout=5000)
    clock = QElapsedTimer()
    clock.start()
    with qtbot.waitSignal(worker.cancelled, timeout=2000):
        worker.cancel()
    assert clock.elapsed() < 200
    assert cleanup, "the job's finally block must run"
    assert rec.terminal() == ["cancelled"]
    assert not worker.is_running()


def test_two_jobs_in_a_row_reuse_the_worker(qtbot, worker):
    rec = Recorder(worker)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.start(lambda: steps(10_000, pause=0.01))
        qtbot.waitUntil(lambda: len(rec.events) >= 2, timeout=5000)
        worker.cancel()
    rec.events.clear()
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start(lambda: steps(3))
    assert rec.kinds() == ["progress"] * 3 + ["finished"]


def test_starting_while_running_is_refused(qtbot, worker):
    worker.start(lambda: steps(10_000, pause=0.01))
    with pytest.raises(RuntimeError, match="already running"):
        worker.start(lambda: steps(1))
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()


def test_running_changed_reports_start_and_end(qtbot, worker):
    states = []
    worker.running_changed.connect(states.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start(lambda: steps(2))
    assert states == [True, False]


def test_closing_the_window_mid_job_stops_and_joins_the_thread(qtbot, main_window):
    worker = JobWorker(main_window)
    cleanup = []
    worker.start(lambda: steps(1_000_000, pause=0.01, cleanup=cleanup))
    qtbot.waitUntil(worker.is_running, timeout=2000)
    qtbot.wait(50)
    clock = QElapsedTimer()
    clock.start()
    main_window.close()
    assert clock.elapsed() < 1000
    assert not worker.is_running()
    assert cleanup, "closing the window must stop the job cleanly"


def test_the_gui_thread_stays_responsive_during_a_cpu_bound_job(qtbot, worker):
    def numpy_work():
        rng = np.random.default_rng(0)
        a = rng.standard_normal((300, 300))
        end = time.perf_counter() + 1.5
        step = 0
        while time.perf_counter() < end:
            for _ in range(20):
                a = np.tanh(a @ a.T / 300.0)
            step += 1
            yield Progress(step=step)
        return step

    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start(numpy_work)
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) > 50
    assert gaps.max() < 0.100, f"longest pause of the GUI thread: {gaps.max() * 1000:.0f} ms"


def test_signals_do_not_leak_references_to_builtin_singletons(qtbot, worker):
    """Guards the PySide6 pin: 6.12.0 dropped a reference to True on each emit and crashed the interpreter.

    4,000 emits here; other threads move these counts by a few hundred at most.
    """
    import gc

    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start(lambda: steps(2000))
    qtbot.wait(10)
    gc.collect()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert all(abs(a - b) < 1000 for a, b in zip(before, after, strict=True)), (before, after)


def test_quitting_the_application_mid_job_exits_cleanly():
    """However the app ends (a Quit, the startup probe, a signal handler), no job thread outlives it."""
    import subprocess
    from pathlib import Path

    script = (
        "import time\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from engine.jobs import Progress\n"
        "from gui.worker import JobWorker\n"
        "app = QApplication([])\n"
        "w = JobWorker()\n"
        "def forever():\n"
        "    while True:\n"
        "        time.sleep(0.01)\n"
        "        yield Progress(step=0)\n"
        "w.start(forever)\n"
        "QTimer.singleShot(100, app.quit)\n"
        "app.exec()\n"
        "print('exited', w.is_running())\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "exited False" in result.stdout
    assert "Destroyed while thread" not in result.stderr


def honours_finish(n, pause=0.01):
    """A training-like job: on FINISH it returns the steps done so far."""
    from engine.jobs import FINISH

    done = 0
    for i in range(n):
        time.sleep(pause)
        done = i + 1
        if (yield Progress(step=done, total=n)) is FINISH:
            break
    return {"steps": done}


def test_finish_returns_the_result_so_far_through_finished(qtbot, worker):
    rec = Recorder(worker)
    worker.start(lambda: honours_finish(100_000))
    qtbot.waitUntil(lambda: len(rec.events) >= 5, timeout=5000)
    clock = QElapsedTimer()
    clock.start()
    with qtbot.waitSignal(worker.finished, timeout=2000) as blocker:
        worker.finish()
        assert worker.is_stopping()
    assert clock.elapsed() < 200
    done = [e.step for k, e in rec.events if k == "progress"]
    assert blocker.args[0] == {"steps": done[-1]} and 5 <= done[-1] < 100_000
    assert rec.terminal() == ["finished"] and not worker.is_running() and not worker.is_stopping()


def test_finish_on_a_job_that_ignores_it_cancels_and_cleans_up(qtbot, worker):
    rec = Recorder(worker)
    cleanup = []
    worker.start(lambda: steps(100_000, pause=0.01, cleanup=cleanup))
    qtbot.waitUntil(lambda: len(rec.events) >= 2, timeout=5000)
    with qtbot.waitSignal(worker.cancelled, timeout=2000):
        worker.finish()
    assert rec.terminal() == ["cancelled"] and cleanup


def blocked_then_steps(seconds, cleanup):
    """Like a job importing TensorFlow: one long call before its first event."""
    try:
        time.sleep(seconds)
        while True:
            yield Progress(step=1)
            time.sleep(0.01)
    finally:
        cleanup.append(True)


def test_shutdown_of_a_job_in_a_long_call_returns_on_time_and_frees_the_worker(qtbot, worker):
    from gui.worker import abandoned_jobs

    cleanup = []
    worker.start(lambda: blocked_then_steps(1.5, cleanup))
    qtbot.wait(50)
    clock = QElapsedTimer()
    clock.start()
    assert worker.shutdown(300) is False
    assert clock.elapsed() < 600
    assert not worker.is_running() and abandoned_jobs() == 1
    with qtbot.waitSignal(worker.finished, timeout=5000):  # the worker takes a new job at once
        worker.start(lambda: steps(2))
    qtbot.waitUntil(lambda: bool(cleanup), timeout=5000)  # the left job ends at its first yield
    qtbot.waitUntil(lambda: abandoned_jobs() == 0, timeout=5000)


def test_closing_the_window_during_a_long_call_takes_under_a_second(qtbot, main_window):
    cleanup = []
    workers = [JobWorker(main_window) for _ in range(3)]
    for w in workers:
        w.start(lambda: blocked_then_steps(2.0, cleanup))
    qtbot.wait(50)
    clock = QElapsedTimer()
    clock.start()
    main_window.close()
    assert clock.elapsed() < 1000
    assert not any(w.is_running() for w in workers)
    qtbot.waitUntil(lambda: len(cleanup) == 3, timeout=10_000)


def test_quitting_during_a_long_call_exits_within_a_second():
    """The TensorFlow import cannot be interrupted: the process leaves without waiting for it."""
    import subprocess
    from pathlib import Path

    script = (
        "import time\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from engine.jobs import Progress\n"
        "from gui.worker import JobWorker\n"
        "app = QApplication([])\n"
        "w = JobWorker()\n"
        "def importing():\n"
        "    time.sleep(30)\n"
        "    yield Progress(step=0)\n"
        "w.start(importing)\n"
        "def quit():\n"
        "    global began\n"
        "    began = time.monotonic()\n"
        "    print('quitting', flush=True)\n"
        "    app.quit()\n"
        "QTimer.singleShot(100, quit)\n"
        "app.exec()\n"
        "print('not reached')\n"
    )
    root = Path(__file__).resolve().parent.parent
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "quitting" in result.stdout
    assert "Destroyed while thread" not in result.stderr
    assert time.monotonic() - began < 15  # start-up included; the quit itself is bounded by EXIT_BUDGET_S


def test_finish_before_the_job_has_begun_cancels_it(qtbot, worker):
    gate = threading.Event()

    def slow_to_build():
        gate.wait(5)
        return honours_finish(10)

    worker.start(slow_to_build)
    worker.finish()
    gate.set()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        pass
