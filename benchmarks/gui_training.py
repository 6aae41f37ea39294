"""Names training in the window against the command line: same config, same steps, how much slower?

Trains the Names tab's default configuration (the Fast preset, seed 0, on the bundled dinosaur
names) twice, alternately, in one process with an offscreen window:

* command line: the ``names train`` handler exactly as ``main.py names train`` runs it;
* window: the real Names tab of the real main window, started as its Train button does, shown
  offscreen at 1280x820 and painting its plot while it trains.

While the window trains, a 10 ms QTimer in the GUI thread measures how late it fires: the worst
lateness is the longest the window would have kept a click waiting. Both runs stop at the same
step (training is deterministic for a seed), which the script checks.

Targets (issue 12): window time within 1.15x of the command line's; the window answers within 100 ms.
The machine is shared, so both figures are pessimistic; runs alternate so load hits both alike.

Run:  .venv/bin/python benchmarks/gui_training.py [--repeats N] [--steps N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var, _sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
    os.environ[_var] = str(Path(tempfile.mkdtemp(prefix="gui-training-")) / _sub)  # never the user's settings

PROBE_MS = 10
TARGET_RATIO = 1.15
TARGET_LATENCY_MS = 100


def command_line_run(steps: int | None) -> tuple[float, int]:
    """Seconds and steps of ``names train --preset fast --seed 0`` run in this process."""
    from cli import build_parser

    argv = ["names", "train", "--preset", "fast", "--seed", "0", "--json"]
    if steps:
        argv += ["--steps", str(steps)]
    args = build_parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = args.handler(args)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"names train failed: {err.getvalue().strip()}")
    import json

    return seconds, int(json.loads(out.getvalue().strip().splitlines()[-1])["steps"])


class LatencyProbe:
    """A QTimer in the GUI thread that records how late each of its ticks comes."""

    def __init__(self, interval_ms: int = PROBE_MS):
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.worst = 0.0
        self.late: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        lateness = max(0.0, now - self._last - self.interval)
        self.late.append(lateness)
        self.worst = max(self.worst, lateness)
        self._last = now


def names_tab(window):
    """The window's Names tab, built."""
    from gui.main_window import TAB_NAMES

    window.tabs.setCurrentIndex(TAB_NAMES.index("names"))
    return window.tabs.currentWidget()


def window_run(app, window, steps: int | None) -> tuple[float, int, float, float, float]:
    """Seconds and steps of one training started as the Train button does; worst and 99th-percentile lateness;
    CPU seconds the GUI thread spent meanwhile (drawing, handling events: what it takes from training)."""
    from engine.names.train import TrainResult
    from gui.worker import JobWorker

    tab = names_tab(window)
    results: list[TrainResult] = []
    workers = tab.findChildren(JobWorker)

    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()

    def keep(result) -> None:
        if isinstance(result, TrainResult):
            results.append(result)
            loop.quit()

    for worker in workers:
        worker.finished.connect(keep)
    if steps:
        tab.set_training_steps(steps)
    probe = LatencyProbe()
    probe.start()
    start, cpu = time.perf_counter(), time.thread_time()
    tab.start_training()
    if not results:
        loop.exec()  # the window's own event loop, as when a person watches it train
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    probe.stop()
    while any(worker.is_running() for worker in workers):  # the names invented after training
        app.processEvents()
        time.sleep(0.005)
    for worker in workers:
        worker.finished.disconnect(keep)
    p99 = sorted(probe.late)[int(0.99 * (len(probe.late) - 1))] if probe.late else 0.0
    return seconds, results[0].steps, probe.worst, p99, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of each (alternating; default 2)")
    parser.add_argument("--steps", type=int, help="train at most this many steps (default: the preset's)")
    args = parser.parse_args()

    from gui.app import create_application
    from gui.main_window import MainWindow

    app = create_application()
    window = MainWindow(remember=False)
    window.resize(1280, 820)
    window.show()
    names_tab(window)
    app.processEvents()

    cli_times, gui_times, worst, p99s, cpus = [], [], [], [], []
    for repeat in range(args.repeats):
        cli_s, cli_steps = command_line_run(args.steps)
        gui_s, gui_steps, late, p99, cpu = window_run(app, window, args.steps)
        if cli_steps != gui_steps:
            print(f"warning: the command line took {cli_steps:,} steps, the window {gui_steps:,}")
        cli_times.append(cli_s)
        gui_times.append(gui_s)
        worst.append(late)
        p99s.append(p99)
        cpus.append(cpu / gui_s)
        print(f"run {repeat + 1}: command line {cli_s:.2f} s ({cli_steps:,} steps), window {gui_s:.2f} s "
              f"({gui_steps:,} steps), ratio {gui_s / cli_s:.3f}; GUI thread late by at most {1000 * late:.0f} ms "
              f"(99th percentile {1000 * p99:.0f} ms); GUI thread busy {100 * cpu / gui_s:.1f}% of the run",
              flush=True)
    window.close()

    ratio = statistics.median(gui_times) / statistics.median(cli_times)
    print(f"median: command line {statistics.median(cli_times):.2f} s, window {statistics.median(gui_times):.2f} s")
    print(f"GUI thread worst lateness {1000 * max(worst):.0f} ms (target < {TARGET_LATENCY_MS} ms), "
          f"median of per-run 99th percentiles {1000 * statistics.median(p99s):.0f} ms; "
          f"GUI thread CPU {100 * statistics.median(cpus):.1f}% of the window's run (median)")
    print(f"target ratio <= {TARGET_RATIO}: {'OK' if ratio <= TARGET_RATIO else 'TOO SLOW'}; "
          f"latency {'OK' if max(worst) * 1000 < TARGET_LATENCY_MS else 'TOO HIGH'} (shared machine: pessimistic)")
    print(f"window/command-line time ratio {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
