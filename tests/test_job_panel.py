"""The shared job panel, driven through its real button: Run, progress with ETA, Stop keeps the result."""

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox, QWidget

from engine.jobs import FINISH, Progress
from gui.job_panel import JobPanel
from gui.worker import JobWorker


def epochs(n, pause=0.02, loading=0.1):
    yield Progress(0, n, "Loading TensorFlow...")
    time.sleep(loading)
    done = 0
    for epoch in range(1, n + 1):
        time.sleep(pause)
        done = epoch
        if (yield Progress(epoch, n, f"Epoch {epoch}/{n}")) is FINISH:
            break
    return done


@pytest.fixture
def panel(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    worker = JobWorker(owner)
    panel = JobPanel(worker, run_text="Train", unit="Epoch", idle_text="Not trained yet", parent=owner)
    owner.show()
    yield panel
    worker.shutdown()


def test_idle_panel_reads_run_and_its_idle_text(panel):
    assert panel.button.text() == "Train" and panel.button.isEnabled()
    assert panel.bar.format() == "Not trained yet" and panel.status_line.isHidden()
    panel.set_ready(False)
    assert not panel.button.isEnabled()


def test_run_shows_busy_then_epochs_with_an_eta_and_locks_the_form(qtbot, panel):
    spin = QSpinBox(panel)
    panel.lock_while_running(spin)
    panel.run_requested.connect(lambda: panel.worker.start(lambda: epochs(20, loading=0.3)))
    seen = []
    panel.worker.progress.connect(lambda e: seen.append((e.step, panel.bar.maximum(), panel.bar.format())))
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert panel.button.text() == "Stop" and not spin.isEnabled()
    assert panel.bar.maximum() == 0  # a busy indicator while TensorFlow "loads"
    qtbot.waitUntil(lambda: "Loading TensorFlow" in panel.status_line.text(), timeout=2000)
    with qtbot.waitSignal(panel.worker.finished, timeout=10_000) as done:
        pass
    assert done.args == [20]
    assert seen[0] == (0, 0, "Starting…")
    assert seen[1][2] == "Epoch 1/20"  # no pace to go by yet
    assert all("ETA" in fmt for step, _m, fmt in seen if step >= 2)
    assert panel.button.text() == "Train" and spin.isEnabled()


def test_stop_asks_the_job_to_finish_and_the_result_arrives(qtbot, panel):
    panel.run_requested.connect(lambda: panel.worker.start(lambda: epochs(10_000, loading=0)))
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.clock_started, timeout=5000)
    with qtbot.waitSignal(panel.worker.finished, timeout=2000) as done:
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
        assert panel.button.text() == "Stopping…" and not panel.button.isEnabled()
    assert 1 <= done.args[0] < 10_000
    panel.show_result(f"Stopped at epoch {done.args[0]}", "Model so far kept.")
    assert panel.bar.format().startswith("Stopped at epoch") and panel.bar.value() == panel.bar.maximum()
    assert panel.status_line.text() == "Model so far kept." and panel.button.text() == "Train"


def test_a_cancel_panel_cancels(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    worker = JobWorker(owner)
    panel = JobPanel(worker, run_text="Check", stop="cancel", parent=owner)
    panel.run_requested.connect(lambda: worker.start(lambda: epochs(10_000, loading=0)))
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.clock_started, timeout=5000)
    with qtbot.waitSignal(worker.cancelled, timeout=2000):
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert panel.button.text() == "Check"
    with pytest.raises(ValueError):
        JobPanel(worker, stop="later")
