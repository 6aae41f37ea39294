"""Start-up time: from launching the process to the window's first paint (offscreen).

Runs `python main.py` several times with SEQUENCE_STUDIO_STARTUP_PROBE set, which makes the app
print 'first-paint' right after the first widget paints, and quit. Prints every run and the median.
Target: median under 1.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.5


def time_to_first_paint() -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SEQUENCE_STUDIO_STARTUP_PROBE="1")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)
    for line in proc.stdout:
        if line.strip() == "first-paint":
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError("the app exited without painting")
    proc.wait(timeout=30)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    time_to_first_paint()  # warm the file cache; not counted
    runs = [time_to_first_paint() for _ in range(args.runs)]
    median = statistics.median(runs)
    print("runs (s): " + " ".join(f"{r:.3f}" for r in runs))
    print(f"startup to first paint: median {median:.3f} s (target < {TARGET_S} s) "
          f"{'OK' if median < TARGET_S else 'TOO SLOW'}")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
