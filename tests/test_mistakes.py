"""Bug lab: each published mistake is caught by the gradient check, the correct code passes,
and the faulty code stays out of every training path."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import lstm, mistakes, rnn
from engine.gradient_lab import LabConfig, make_problem
from engine.jobs import FINISH
from engine.mistakes import EQUATIONS, MISTAKES, iter_mistake_check, mistake_check

REPO = Path(__file__).resolve().parent.parent
CASES = [(name, cell) for name, m in MISTAKES.items() for cell in m.cells]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_correct_code_passes(cell):
    check = mistake_check(None, cell)
    assert check.complete and not check.caught
    assert check.worst < 1e-7
    assert set(check.verdicts.values()) == {"good"}
    assert set(check.rel_errors) == set(check.names) == set(check.difference)


@pytest.mark.parametrize("name, cell", CASES)
@pytest.mark.parametrize("loss", ["all", "last"])
def test_every_mistake_is_caught(name, cell, loss):
    check = mistake_check(name, cell, loss=loss, seed=7)
    assert check.caught and check.worst > 1e-3
    assert "wrong" in check.verdicts.values()
    assert check.mistake is MISTAKES[name]


@pytest.mark.parametrize("name, cell", CASES)
def test_the_heatmap_shows_where_the_error_lives(name, cell):
    check = mistake_check(name, cell)
    output = "Wya" if cell == "rnn" else "Wy"
    assert check.verdicts["by"] == "good"  # the output bias never reads a hidden state
    if name == "output-from-previous-state":
        assert check.verdicts[output] == "wrong"  # the forward pass itself is wrong
    else:
        assert check.verdicts[output] == "good"  # backward mistakes leave the output layer alone
        dx = check.heatmap("x")  # (n_x, T_x): the last step receives nothing from a later one
        assert dx.shape == (3, 8)
        assert np.abs(dx[:, -1]).max() < 1e-8 and np.abs(dx[:, :-1]).max() > 1e-3
    for array in check.names:
        assert check.difference[array].shape == check.analytic[array].shape
        assert check.heatmap(array).ndim == 2


def test_the_correct_loops_are_the_course_functions():
    """The bug lab's sequence loops, with the correct cells in place, compute exactly what the course's do."""
    config = LabConfig(n_x=2, n_a=3, m=2, T_x=5, seed=4)
    p = make_problem(config, "rnn")
    a, y, caches = mistakes._rnn_forward(p.x, p.a0, p.parameters, rnn.rnn_cell_forward)
    a_ref, y_ref, _ = rnn.rnn_forward(p.x, p.a0, p.parameters)
    np.testing.assert_array_equal(a, a_ref)
    np.testing.assert_array_equal(y, y_ref)
    p = make_problem(config, "lstm")
    a, y, caches = mistakes._lstm_forward(p.x, p.a0, p.parameters, lstm.lstm_cell_forward)
    a_ref, y_ref, _c, caches_ref = lstm.lstm_forward(p.x, p.a0, p.parameters)
    np.testing.assert_array_equal(y, y_ref)
    da = np.random.default_rng(0).standard_normal(a.shape)
    ours = mistakes._lstm_backward(da, caches, lstm.lstm_cell_backward)
    theirs = lstm.lstm_backward(da, caches_ref)
    for key in theirs:
        np.testing.assert_array_equal(ours[key], theirs[key])


def test_each_mistake_names_a_line_of_its_cells_equations():
    for m in MISTAKES.values():
        for cell in m.cells:
            assert m.line in dict(EQUATIONS[cell])
        assert m.faulty != m.correct and m.explanation


def test_finish_returns_the_arrays_checked_so_far(monkeypatch):
    monkeypatch.setattr(mistakes, "Throttle", lambda seconds: lambda: True)  # yield at every element
    job = iter_mistake_check("output-from-previous-state", "rnn")
    for _ in range(41):  # Wax (5x3) and Waa (5x5) are done; the 41st number is in ba
        next(job)
    try:
        job.send(FINISH)
    except StopIteration as stop:
        check = stop.value
    assert not check.complete
    assert list(check.rel_errors) == ["Wax", "Waa"]


@pytest.mark.parametrize(
    "mistake, cell, message",
    [
        ("typo", "lstm", "Unknown mistake"),
        ("cell-gradient-drops-forget-gate", "rnn", "LSTM code only"),
        (None, "gru", "Unknown cell"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(mistake, cell, message):
    with pytest.raises(ValueError, match=message):
        mistake_check(mistake, cell)


def test_no_training_path_reaches_the_faulty_code():
    imports = re.compile(r"^\s*(from|import)\s+\S*mistakes|import\s.*\bmistakes\b", re.MULTILINE)
    for path in (REPO / "engine").rglob("*.py"):
        if path.name != "mistakes.py":
            assert not imports.search(path.read_text(encoding="utf-8")), path
    assert imports.search("from engine import lstm, mistakes") and imports.search("import engine.mistakes")
    code = (
        "import sys, engine.names.train, engine.names.sample, engine.gradient_lab, engine.sequence, engine.gradcheck;"
        "print('engine.mistakes' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
