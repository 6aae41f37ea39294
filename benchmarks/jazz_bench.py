"""Jazz engine speed on the course's file: training, generation and parsing.

On ../shared/data/original_metheny.mid with the course's shapes (T_x 30, n_a 64,
60 training windows, 100 epochs), both models see the same windows:

* the course's model, built here for comparison only: one shared LSTM cell
  called T_x times on slices of the input (a Lambda slice and a Reshape per
  step, as in the course), a shared Dense softmax per step, Adam, categorical
  cross-entropy, ``model.fit`` with its default batch of 32;
* the engine's model (:mod:`engine.jazz.model`): one LSTM layer over the whole
  window with return_sequences and one Dense, trained by the engine's job.

Timed: build plus training, wall clock, TensorFlow already imported (median of
``--repeats`` runs each). Also: generating 32 measures from a model loaded from
disk (numpy cell), one ``model.predict`` call against one numpy step, and
parsing the file into the training corpus in a fresh interpreter (cold: music21
imported and nothing cached) and again in a warm one.

Run:  .venv/bin/python benchmarks/jazz_bench.py [--repeats N] [--course-repeats N]
The machine this runs on may be shared; treat the figures as noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"
T_X, N_A, WINDOWS, EPOCHS = 30, 64, 60, 100

COLD_PARSE = """
import time, sys
sys.path.insert(0, {root!r})
t = time.perf_counter()
from engine.jazz import build_corpus, read_song
corpus = build_corpus(read_song({path!r}))
print(time.perf_counter() - t, corpus.token_count, corpus.vocab_size)
"""


def course_model(n_values: int, n_a: int, t_x: int):
    """The course's djmodel: a shared LSTM cell unrolled by hand over T_x steps."""
    import keras
    from keras import layers

    reshapor = layers.Reshape((1, n_values))
    lstm_cell = layers.LSTM(n_a, return_state=True)
    densor = layers.Dense(n_values, activation="softmax")
    X = keras.Input(shape=(t_x, n_values))
    a0 = keras.Input(shape=(n_a,), name="a0")
    c0 = keras.Input(shape=(n_a,), name="c0")
    a, c = a0, c0
    outputs = []
    for t in range(t_x):
        x = layers.Lambda(lambda z, t=t: z[:, t, :])(X)
        x = reshapor(x)
        a, _, c = lstm_cell(x, initial_state=[a, c])
        outputs.append(densor(a))
    model = keras.Model(inputs=[X, a0, c0], outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999),
        loss="categorical_crossentropy",
        metrics=[["accuracy"]] * t_x,
    )
    return model


def time_course(X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """Wall time of building and fitting the course's model; and its final loss (mean per step)."""
    m, t_x, n_values = X.shape
    began = time.perf_counter()
    model = course_model(n_values, N_A, t_x)
    a0 = np.zeros((m, N_A), dtype=np.float32)
    history = model.fit([X, a0, a0], list(Y), epochs=EPOCHS, verbose=0)
    seconds = time.perf_counter() - began
    return seconds, history.history["loss"][-1] / t_x


def time_engine(corpus):
    from engine.jazz import TrainSettings, train_job
    from engine.jobs import run_job

    # the course's set-up exactly: no held-out phrases, no dropout, no position inputs
    settings = TrainSettings(epochs=EPOCHS, n_a=N_A, t_x=T_X, max_windows=WINDOWS, batch_size=32, seed=0,
                             dropout=0.0, validation=0.0, positions=False)  # fmt: skip
    began = time.perf_counter()
    model = run_job(train_job(corpus, settings))
    return time.perf_counter() - began, model


def median(values):
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of the engine's training (default 3)")
    parser.add_argument("--course-repeats", type=int, default=3, help="runs of the course's model (default 3)")
    args = parser.parse_args()
    if not METHENY.is_file():
        print(f"skipped: {METHENY} is not present")
        return 0

    # -- parsing: cold, in fresh interpreters, before anything is imported here
    cold = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", COLD_PARSE.format(root=str(ROOT), path=str(METHENY))],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        cold.append(float(out[0]))
    from engine.jazz import build_corpus, generate, load_model, read_song, save_model

    warm = []
    for _ in range(5):
        began = time.perf_counter()
        corpus = build_corpus(read_song(METHENY))
        warm.append(time.perf_counter() - began)
    print(f"corpus: {corpus.token_count} tokens, vocabulary {corpus.vocab_size}, {len(corpus.measures)} measures")
    print(f"parse Metheny into the corpus: cold {median(cold):.2f} s (median of 3 fresh interpreters), "
          f"warm {median(warm):.2f} s   [target < 2 s]")  # fmt: skip

    import keras  # noqa: F401  -- imported once, outside every timing
    import tensorflow as tf

    X, Y = corpus.windows(t_x=T_X, limit=WINDOWS, seed=0)  # the same 60 windows for both models
    print(f"training data: X {X.shape}, Y {Y.shape}; TensorFlow {tf.__version__}, {os.cpu_count()} CPUs")

    ours, model = [], None
    for _ in range(args.repeats):
        seconds, model = time_engine(corpus)
        ours.append(seconds)
    print(f"engine model (one LSTM layer, return_sequences): {median(ours):.2f} s build+train "
          f"(runs {', '.join(f'{s:.2f}' for s in ours)}), final loss {model.history['loss'][-1]:.3f}")  # fmt: skip

    course = []
    for _ in range(args.course_repeats):
        seconds, loss = time_course(X, Y)
        course.append(seconds)
        print(f"  course model run: {seconds:.1f} s, final loss per step {loss:.3f}", flush=True)
    print(f"course model (shared cell called {T_X} times): {median(course):.1f} s build+train")
    print(f"speed-up: {median(course) / median(ours):.1f}x   [target >= 8x]")

    # -- generation from a model loaded from disk
    with tempfile.TemporaryDirectory() as folder:
        save_model(model, folder)
        began = time.perf_counter()
        loaded = load_model(folder)
        load_seconds = time.perf_counter() - began
        began = time.perf_counter()
        generate(loaded, measures=32, temperature=0.7, seed=0)  # first call also maps the weights
        first = time.perf_counter() - began
        runs = []
        for seed in range(1, 8):
            began = time.perf_counter()
            (improv,) = generate(loaded, measures=32, temperature=0.7, seed=seed)
            runs.append(time.perf_counter() - began)
    print(f"generate 32 measures from a loaded model: first {first * 1000:.0f} ms (with weight mapping), "
          f"median {median(runs) * 1000:.0f} ms, {len(improv.tokens)} tokens   [target < 1 s; load {load_seconds:.2f} s]")  # fmt: skip

    # -- one step: Keras predict against the course's numpy cell and the generator's stepper
    from engine.jazz.corpus import one_hot
    from engine.jazz.weights import Stepper
    from engine.lstm import lstm_cell_forward

    x = one_hot(np.array([[0]]), loaded.n_values)
    model.keras_model.predict(x, verbose=0)
    predict = []
    for _ in range(10):
        began = time.perf_counter()
        model.keras_model.predict(x, verbose=0)
        predict.append(time.perf_counter() - began)
    params = loaded.parameters
    xt, a, c = x[0].T.astype(np.float64), np.zeros((N_A, 1)), np.zeros((N_A, 1))
    began = time.perf_counter()
    for _ in range(1000):
        a, c, _, _ = lstm_cell_forward(xt, a, c, params)
    step = (time.perf_counter() - began) / 1000
    stepper = Stepper(loaded.weights)
    began = time.perf_counter()
    for _ in range(1000):
        stepper(0)
    fast = (time.perf_counter() - began) / 1000
    print(f"one step: model.predict {median(predict) * 1000:.1f} ms, course's numpy cell {step * 1e6:.0f} us, "
          f"generator's stepper {fast * 1e6:.0f} us")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
