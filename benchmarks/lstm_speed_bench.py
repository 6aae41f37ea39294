"""Forward + backward over a whole batch: the numpy fast path against TensorFlow/Keras.

Both sides do the same work in float32: run the layer over ``x`` (m sequences of
T_x steps, n_x features), then compute the gradients of ``sum(h * upstream)``
with respect to the input and every weight. TensorFlow runs a Keras layer
(``LSTM`` / ``SimpleRNN``) inside a ``tf.function`` around ``GradientTape`` on
the CPU; numpy runs :mod:`engine.sequence` with the same weights (mapped between
the two gate orders), and the gradients are checked to agree before timing.

Run:  .venv/bin/python benchmarks/lstm_speed_bench.py [--repeats N]
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

import numpy as np  # noqa: E402

from engine.lstm_gates import KERAS, STACKED, restack  # noqa: E402
from engine.sequence import blas_threads, make_layer  # noqa: E402

N_X, N_A, M, T_X = 78, 64, 64, 30


def keras_to_ours(kernel: np.ndarray, cell: str) -> np.ndarray:
    """Reorder the stacked gate columns of a Keras LSTM weight into the fused layer's order (RNN: unchanged)."""
    if cell == "rnn":
        return np.ascontiguousarray(kernel)
    return restack(kernel, KERAS, STACKED)


def median_time(fn, repeats: int, inner: int) -> float:
    """Median over ``repeats`` of the mean time of ``inner`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def bench(cell: str, repeats: int, inner: int) -> dict:
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x_bm = rng.standard_normal((M, T_X, N_X)).astype(np.float32)  # Keras: batch, time, features
    upstream_bm = rng.standard_normal((M, T_X, N_A)).astype(np.float32)

    layer_cls = keras.layers.LSTM if cell == "lstm" else keras.layers.SimpleRNN
    layer = layer_cls(N_A, return_sequences=True, dtype="float32")
    layer.build((M, T_X, N_X))
    x_tf, up_tf = tf.constant(x_bm), tf.constant(upstream_bm)

    @tf.function
    def tf_step(x, upstream):
        with tf.GradientTape() as tape:
            tape.watch(x)
            h = layer(x)
            loss = tf.reduce_sum(h * upstream)
        return tape.gradient(loss, [x, *layer.trainable_weights])

    kernel, recurrent, bias = (w.numpy() for w in layer.trainable_weights)
    params = {"Wx": keras_to_ours(kernel, cell), "Wh": keras_to_ours(recurrent, cell), "b": keras_to_ours(bias, cell)}
    ours = make_layer(cell, N_X, N_A, np.float32)
    x = np.ascontiguousarray(x_bm.transpose(1, 0, 2))  # ours: time, batch, features
    upstream = np.ascontiguousarray(upstream_bm.transpose(1, 0, 2))
    grads_out = {name: np.empty_like(value) for name, value in params.items()}

    def np_step():
        ours.forward(params, x)
        return ours.backward(params, upstream, out=grads_out)

    # The two must compute the same thing before their times mean anything.
    tf_grads = [g.numpy() for g in tf_step(x_tf, up_tf)]
    np_grads = np_step()
    errors = {
        "x": rel_err(np_grads["x"].transpose(1, 0, 2), tf_grads[0]),
        "Wx": rel_err(np_grads["Wx"], keras_to_ours(tf_grads[1], cell)),
        "Wh": rel_err(np_grads["Wh"], keras_to_ours(tf_grads[2], cell)),
        "b": rel_err(np_grads["b"], keras_to_ours(tf_grads[3], cell)),
    }
    worst = max(errors.values())
    if worst > 1e-3:
        raise SystemExit(f"{cell}: numpy and TensorFlow disagree (max relative error {worst:.2e})")

    for _ in range(3):  # warm up both
        tf_step(x_tf, up_tf)
        np_step()
    t_tf, t_np, t_np_default = [], [], []
    for _ in range(repeats):  # interleave so all see the same machine load
        t_tf.append(median_time(lambda: tf_step(x_tf, up_tf), 1, inner))
        with blas_threads(1):  # as the studio runs it
            t_np.append(median_time(np_step, 1, inner))
        t_np_default.append(median_time(np_step, 1, inner))
    return {
        "cell": cell,
        "numpy_ms": 1e3 * statistics.median(t_np),
        "numpy_default_threads_ms": 1e3 * statistics.median(t_np_default),
        "tf_ms": 1e3 * statistics.median(t_tf),
        "max_rel_err": worst,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds (median reported)")
    parser.add_argument("--inner", type=int, default=10, help="calls per round")
    args = parser.parse_args()
    print(f"forward + backward, float32, n_x={N_X} n_a={N_A} m={M} T_x={T_X}; median of {args.repeats} rounds")
    print("numpy runs with one BLAS thread, as the studio does (engine.sequence.blas_threads); the column")
    print("'numpy, BLAS default' leaves OpenBLAS its own thread count. TensorFlow uses its own thread pool.")
    print(f"{'cell':<6}{'numpy (ms)':>12}{'TF (ms)':>10}{'numpy/TF':>10}{'numpy, BLAS default':>21}{'grad rel err':>14}")
    ok = True
    for cell in ("lstm", "rnn"):
        r = bench(cell, args.repeats, args.inner)
        ratio = r["numpy_ms"] / r["tf_ms"]
        ok &= ratio <= 1.0
        print(f"{cell:<6}{r['numpy_ms']:>12.2f}{r['tf_ms']:>10.2f}{ratio:>9.2f}x"
              f"{r['numpy_default_threads_ms']:>18.2f} ms{r['max_rel_err']:>14.1e}")
    print("target numpy <= 1.0x TensorFlow:", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
