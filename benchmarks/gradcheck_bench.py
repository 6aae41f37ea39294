"""How long the Gradients tab's full check takes at its default settings.

The full check is the tab's job (engine.gradient_lab): analytic gradients of
both cells, centred differences of every parameter and input, the gradient
flow, and -- when TensorFlow is on -- the autodiff cross-check. Target: under
2 s. Prints the median of repeated runs; the first TensorFlow run, which pays
for importing TensorFlow, is reported on its own.

    python benchmarks/gradcheck_bench.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.gradient_lab import LabConfig, gradient_lab_job  # noqa: E402
from engine.jobs import run_job  # noqa: E402

TARGET_S = 2.0


def timed(config: LabConfig):
    started = time.perf_counter()
    result = run_job(gradient_lab_job(config))
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    numeric_only = LabConfig(use_tf=False)
    with_tf = LabConfig(use_tf=True)
    c = numeric_only
    print(
        f"Gradients tab, default settings: cell {c.cell}, n_x={c.n_x} n_a={c.n_a} n_y={c.n_y} m={c.m} "
        f"T_x={c.T_x}; {c.elements('rnn') + c.elements('lstm')} numbers differenced; median of {args.repeats} runs"
    )

    timed(numeric_only)  # warm-up: numpy and caches
    times = [timed(numeric_only)[0] for _ in range(args.repeats)]
    worst = timed(numeric_only)[1].worst()
    median = statistics.median(times)
    print(
        f"  numerical check (both cells):            median {median:.3f} s  "
        f"(min {min(times):.3f}, max {max(times):.3f})  worst rel err {worst:.1e}  "
        f"{'OK' if median < TARGET_S else 'OVER'} target {TARGET_S:g} s"
    )

    cold, result = timed(with_tf)
    if result.tf_status != "checked":
        print(f"  TensorFlow cross-check unavailable: {result.tf_status}")
        return 0
    print(f"  first run with TensorFlow (imports it):  {cold:.3f} s")
    runs = [timed(with_tf) for _ in range(args.repeats)]
    times = [seconds for seconds, _ in runs]
    tf_parts = [r.tf_seconds for _, r in runs]
    median = statistics.median(times)
    print(
        f"  full check incl. TensorFlow autodiff:    median {median:.3f} s  "
        f"(min {min(times):.3f}, max {max(times):.3f}; TensorFlow part median {statistics.median(tf_parts):.3f} s)  "
        f"{'OK' if median < TARGET_S else 'OVER'} target {TARGET_S:g} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
