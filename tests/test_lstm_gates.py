"""One naming of the LSTM gates, and the one conversion between the layouts that stack them."""

from __future__ import annotations

import numpy as np
import pytest

from engine.lstm_gates import COURSE, GATES, KERAS, STACKED, restack
from engine.sequence import LSTMLayer, lstm_params_to_course


def test_restack_moves_whole_blocks_and_round_trips():
    n = 3
    labelled = np.concatenate([np.full((2, n), 10 * k + np.arange(n)) for k in range(4)], axis=1)  # block k = 10k..
    moved = restack(labelled, KERAS, STACKED)
    for k, gate in enumerate(STACKED):
        np.testing.assert_array_equal(moved[:, k * n : (k + 1) * n], labelled[:, KERAS.index(gate) * n :][:, :n])
    np.testing.assert_array_equal(restack(moved, STACKED, KERAS), labelled)
    bias = np.arange(4 * n)
    np.testing.assert_array_equal(restack(restack(bias, COURSE, STACKED), STACKED, COURSE), bias)


def test_restack_refuses_what_is_not_four_gates():
    with pytest.raises(ValueError, match="four gate blocks"):
        restack(np.zeros((2, 10)), KERAS, STACKED)
    with pytest.raises(ValueError, match="each of"):
        restack(np.zeros((2, 8)), ("i", "f", "g", "o"), STACKED)


def test_every_layout_names_the_same_four_gates():
    for order in (COURSE, STACKED, KERAS):
        assert sorted(order) == sorted(GATES)


def test_the_fused_layer_starts_with_its_forget_bias_on_the_forget_gate():
    layer = LSTMLayer(3, 4)
    params = layer.init_params(np.random.default_rng(0))
    course = lstm_params_to_course(params)
    np.testing.assert_array_equal(course["bf"], np.ones((4, 1)))
    for gate in "ico":
        np.testing.assert_array_equal(course[f"b{gate}"], np.zeros((4, 1)))


def test_a_keras_lstm_restacked_is_the_fused_layer():
    """The Keras boundary: its kernels, restacked, give the fused layer the same states."""
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    T, m, n_x, n_a = 6, 3, 4, 5
    rng = np.random.default_rng(2)
    x = rng.standard_normal((m, T, n_x))
    keras_layer = keras.layers.LSTM(n_a, return_sequences=True, dtype="float64")
    keras_layer.build((m, T, n_x))
    kernel, recurrent, bias = (rng.standard_normal(w.shape) * 0.5 for w in keras_layer.get_weights())
    keras_layer.set_weights([kernel, recurrent, bias])
    expected = keras_layer(tf.constant(x)).numpy()  # (m, T, n_a)

    ours = LSTMLayer(n_x, n_a, np.float64)
    params = {"Wx": restack(kernel, KERAS, STACKED), "Wh": restack(recurrent, KERAS, STACKED),
              "b": restack(bias, KERAS, STACKED)}
    h = ours.forward(params, np.ascontiguousarray(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(h.transpose(1, 0, 2), expected, rtol=1e-10, atol=1e-12)
