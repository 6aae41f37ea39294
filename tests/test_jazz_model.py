"""Training the course's model as a job: held-out phrases, early stopping on them, the stop protocol,
divergence, size limits, and the numpy LSTM path against Keras."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from jazz_helpers import tiny_model, two_part_file

from engine.jazz import (
    CorpusError,
    Training,
    TrainSettings,
    build_corpus,
    default_piece,
    read_song,
    train_job,
)
from engine.jazz.corpus import one_hot
from engine.jazz.generate import sequence_probabilities
from engine.jazz.model import build_model, corpus_onsets
from engine.jazz.position import FEATURES, position_features
from engine.jazz.weights import Stepper, course_parameters, keras_weights
from engine.jobs import FINISH, run_job

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(read_song(default_piece()))


def test_a_short_real_training_run_learns(corpus):
    events = []
    settings = TrainSettings(epochs=12, n_a=32, t_x=20, stride=2, batch_size=32, seed=1, validation=0)
    model = run_job(train_job(corpus, settings), events.append)
    per_epoch = [e for e in events if e.metrics]
    assert [e.step for e in per_epoch] == list(range(1, 13))
    assert all(e.total == 12 for e in events)
    losses = [e.metrics["loss"] for e in per_epoch]
    assert losses == pytest.approx(model.history["loss"])
    assert all(0.0 <= e.metrics["accuracy"] <= 1.0 for e in per_epoch)
    assert losses[-1] < 0.8 * losses[0]  # it learns
    assert losses[0] == pytest.approx(np.log(corpus.vocab_size), rel=0.1)  # starts near chance: -log(1/n)
    assert model.vocabulary == corpus.vocabulary and model.epochs_trained == 12 and model.best_epoch == 12
    assert model.stopped == "completed" and "val_loss" not in model.history
    assert model.source.time_signature == (4, 4) and model.seconds > 0
    # the model is the course's: one LSTM over the window and a softmax over the vocabulary, no Lambda;
    # dropout between them holds no weights
    kinds = [type(layer).__name__ for layer in model.keras_model.layers]
    assert kinds == ["InputLayer", "LSTM", "Dropout", "Dense"]
    lstm = model.keras_model.layers[1]
    assert lstm.units == 32 and lstm.return_sequences and lstm.dropout == settings.dropout
    assert type(model.keras_model.optimizer).__name__ == "Adam"
    # the weights are plain float32 arrays, the same as Keras holds
    for name, value in keras_weights(model.keras_model).items():
        assert model.weights[name].dtype == np.float32 and np.array_equal(model.weights[name], value), name


def held_out_loss_by_numpy(model, split, indices, onsets):
    """The held-out cross-entropy recomputed with the numpy stepper, token by token (independent of Keras)."""
    losses, hits = [], []
    for (a, b), c in zip(split.validation, split.context, strict=True):
        step = Stepper(model.weights)
        step.clear()
        for t in range(c, b - 1):
            p = step(int(indices[t]), int(onsets[t]))
            if t + 1 >= max(a, c + 1):
                losses.append(-np.log(p[indices[t + 1]]))
                hits.append(int(np.argmax(p)) == indices[t + 1])
    return float(np.mean(losses)), float(np.mean(hits))


def test_held_out_phrases_are_scored_every_epoch_and_the_best_epoch_is_kept(corpus):
    events = []
    settings = TrainSettings(epochs=30, n_a=24, t_x=16, stride=2, seed=2, learning_rate=0.02, patience=3)
    training = Training(corpus, settings)
    model = run_job(training.job(), events.append)
    split = training.split
    assert split.validation and split.held_out_tokens > 20
    # no training window touches a held-out token
    held = np.zeros(corpus.token_count, dtype=bool)
    for a, b in split.validation:
        held[a:b] = True
    starts = split.train_starts(settings.t_x, settings.stride)
    assert not any(held[s : s + settings.t_x + 1].any() for s in starts)

    per_epoch = [e.metrics for e in events if e.metrics]
    assert all({"loss", "accuracy", "val_loss", "val_accuracy"} <= set(m) for m in per_epoch)
    val = model.history["val_loss"]
    assert val == pytest.approx([m["val_loss"] for m in per_epoch])
    # stopped early: patience epochs after the best one, and kept the best
    assert model.stopped == "early" and model.epochs_trained == model.best_epoch + 3 < 30
    assert model.best_epoch == int(np.argmin(val)) + 1 and model.best_val_loss == pytest.approx(min(val))
    # the kept weights are those of the best epoch: their held-out loss, recomputed in numpy, is the best
    loss, accuracy = held_out_loss_by_numpy(model, split, corpus.indices, corpus_onsets(corpus))
    assert loss == pytest.approx(min(val), rel=1e-4)
    assert accuracy == pytest.approx(model.history["val_accuracy"][model.best_epoch - 1], abs=1e-9)
    assert "kept epoch" in training.outcome


def test_same_seed_same_training(corpus):
    settings = TrainSettings(epochs=3, n_a=8, t_x=12, stride=4, seed=7)
    a = run_job(train_job(corpus, settings))
    b = run_job(train_job(corpus, settings))
    c = run_job(train_job(corpus, replace(settings, seed=8)))
    assert a.history["val_loss"] == pytest.approx(b.history["val_loss"], rel=1e-5)
    assert a.history["loss"] == pytest.approx(b.history["loss"], rel=1e-5)
    assert a.history["loss"] != pytest.approx(c.history["loss"], rel=1e-5)


def test_training_yields_often_and_stops_when_closed(corpus):
    job = train_job(corpus, TrainSettings(epochs=1000, n_a=16, t_x=16, stride=1, batch_size=4, seed=0, validation=0))
    gaps, last, epochs_done = [], None, 0
    for event in job:
        now = time.perf_counter()
        if epochs_done >= 1 and last is not None:  # after the first batch has compiled the graph
            gaps.append(now - last)
        last = now
        epochs_done += bool(event.metrics)
        if len(gaps) >= 12:
            break
    began = time.perf_counter()
    job.close()
    assert time.perf_counter() - began < 0.5
    with pytest.raises(StopIteration):
        next(job)
    assert max(gaps) < 1.0, gaps  # events every quarter second; generous for a busy machine


def test_a_stopped_training_keeps_the_model_of_its_finished_epochs(corpus, monkeypatch):
    """Closed inside an epoch, the run keeps exactly what a run of its finished epochs learns."""
    from engine.jazz import model as jazz_model

    monkeypatch.setattr(jazz_model, "Throttle", lambda seconds: lambda: True)  # an event after every batch
    settings = TrainSettings(epochs=200, n_a=16, t_x=16, stride=1, batch_size=4, max_windows=240, seed=5, validation=0)
    training = Training(corpus, settings)
    job = training.job()
    finished = 0
    for event in job:
        if event.metrics:
            finished += 1
            assert training.model is not None and training.model.epochs_trained == finished
        elif finished == 2 and event.message.startswith("Epoch 3/"):
            break  # a batch of the third epoch has changed the weights
    job.close()
    kept = training.model
    assert kept.epochs_trained == finished == kept.best_epoch and kept.stopped == "finished" and kept.partial
    assert kept.settings == settings and kept.vocabulary == corpus.vocabulary and kept.seconds > 0

    same = run_job(train_job(corpus, replace(settings, epochs=finished)))  # same seed: same windows, same order
    assert kept.history["loss"] == pytest.approx(same.history["loss"], rel=1e-5)
    for name, value in same.weights.items():
        np.testing.assert_allclose(kept.weights[name], value, rtol=1e-4, atol=1e-6)
    # and it improvises like any trained model
    indices = list(kept.source.token_indices[:20])
    probs = sequence_probabilities(kept.parameters, indices, corpus_onsets(corpus)[:20])
    assert probs.shape == (20, kept.n_values) and np.allclose(probs.sum(axis=1), 1.0)


def test_finish_returns_the_best_model_so_far(corpus, monkeypatch):
    from engine.jazz import model as jazz_model

    monkeypatch.setattr(jazz_model, "Throttle", lambda seconds: lambda: True)
    training = Training(corpus, TrainSettings(epochs=50, n_a=8, t_x=12, stride=2, batch_size=8, seed=1))
    job = training.job()
    epochs = 0
    event = next(job)
    while True:
        epochs += bool(event.metrics)
        if epochs == 2 and not event.metrics:  # inside the third epoch
            with pytest.raises(StopIteration) as stop:
                job.send(FINISH)
            break
        event = next(job)
    model = stop.value.value
    assert model is training.model and model.stopped == "finished" and model.epochs_trained == 2
    assert model.best_epoch == int(np.argmin(model.history["val_loss"])) + 1
    assert "as asked" in training.outcome


def test_finish_while_tensorflow_loads_keeps_nothing(corpus):
    training = Training(corpus, TrainSettings(epochs=5, n_a=8, t_x=12))
    job = training.job()
    assert next(job).message.startswith("Loading TensorFlow")
    with pytest.raises(StopIteration) as stop:
        job.send(FINISH)
    assert stop.value.value is None and training.model is None and "nothing" in training.outcome


def test_stopped_before_the_first_epoch_ends_keeps_nothing(corpus, monkeypatch):
    from engine.jazz import model as jazz_model

    monkeypatch.setattr(jazz_model, "Throttle", lambda seconds: lambda: True)  # an event after every batch
    training = Training(corpus, TrainSettings(epochs=50, n_a=8, t_x=12, stride=1, batch_size=4, seed=0))
    job = training.job()
    for event in job:
        assert not event.metrics
        if event.message.startswith("Epoch 1/"):  # inside the first epoch
            break
    job.close()
    assert training.model is None


def test_divergence_stops_with_a_sentence(corpus):
    training = Training(corpus, TrainSettings(epochs=20, n_a=32, t_x=12, stride=2, learning_rate=9.9, seed=0))
    model = run_job(training.job())
    assert "diverged" in training.outcome and "\n" not in training.outcome
    assert model is None or (model.stopped == "diverged" and model.partial and model.epochs_trained < 20)


def test_bad_settings_fail_before_any_work(corpus, tmp_path):
    with pytest.raises(CorpusError, match="epochs"):
        train_job(corpus, TrainSettings(epochs=0))
    with pytest.raises(CorpusError, match="learning rate"):
        train_job(corpus, TrainSettings(learning_rate=-1))
    with pytest.raises(CorpusError, match="n_a.*1,024"):
        train_job(corpus, TrainSettings(n_a=100_000))
    with pytest.raises(CorpusError, match="MB"):
        train_job(corpus, TrainSettings(n_a=1024, t_x=512, batch_size=1024))
    with pytest.raises(CorpusError, match="dropout"):
        train_job(corpus, TrainSettings(dropout=1.0))
    short = build_corpus(read_song(two_part_file(tmp_path / "s.mid", bars=2)))
    with pytest.raises(CorpusError, match="tokens"):
        train_job(short, TrainSettings(t_x=30))


def test_numpy_cell_gives_keras_probabilities(corpus):
    model = tiny_model()
    assert model.weights["lstm_kernel"].shape[0] == model.n_values + FEATURES  # it reads positions
    indices = list(model.source.token_indices[:40])
    onsets = corpus_onsets(corpus)[:40]
    assert (onsets >= 0).all() and onsets.max() < 48 and (onsets == 0).any()  # twelfths inside a 4/4 bar
    inputs = np.concatenate([one_hot(np.array([indices]), model.n_values), position_features(onsets)[None]], axis=-1)
    keras_probs = model.keras_model.predict(inputs, verbose=0)[0]
    numpy_probs = sequence_probabilities(model.parameters, indices, onsets)
    assert numpy_probs.shape == keras_probs.shape == (40, model.n_values)
    assert np.max(np.abs(numpy_probs - keras_probs)) < 1e-5
    step = Stepper(model.weights)  # the generator's fast stepper computes the same
    step.clear()
    stepped = np.array([step(i, o) for i, o in zip(indices, onsets, strict=True)])
    assert np.max(np.abs(stepped - keras_probs)) < 1e-5
    # the positions matter: the same tokens heard at other places in the bar predict otherwise
    step.clear()
    shifted = np.array([step(i, (o + 6) % 48) for i, o in zip(indices, onsets, strict=True)])
    assert np.max(np.abs(shifted - keras_probs)) > 1e-3


def test_gate_mapping_with_random_weights():
    """Distinct random weights and biases for every gate: any mix-up of Keras's i, f, c, o order shows."""
    n_values, n_a = 11, 6
    keras_model = build_model(n_values, n_a, seed=0)
    rng = np.random.default_rng(0)
    keras_model.set_weights([rng.normal(0, 0.7, w.shape).astype("float32") for w in keras_model.get_weights()])
    indices = list(rng.integers(0, n_values, 25))
    keras_probs = keras_model.predict(one_hot(np.array([indices]), n_values), verbose=0)[0]
    params = course_parameters(keras_model)
    assert params["Wf"].shape == (n_a, n_a + n_values) and params["bf"].shape == (n_a, 1)
    assert params["Wy"].shape == (n_values, n_a) and params["by"].shape == (n_values, 1)
    assert np.max(np.abs(sequence_probabilities(params, indices) - keras_probs)) < 1e-5
    swapped = dict(params, Wf=params["Wi"], Wi=params["Wf"], bf=params["bi"], bi=params["bf"])
    assert np.max(np.abs(sequence_probabilities(swapped, indices) - keras_probs)) > 1e-3
    step = Stepper(keras_weights(keras_model))
    first = step.reset()  # the course's x<1> = 0
    zero_input = keras_model.predict(np.zeros((1, 1, n_values), dtype="float32"), verbose=0)[0, 0]
    assert np.max(np.abs(first - zero_input)) < 1e-5
