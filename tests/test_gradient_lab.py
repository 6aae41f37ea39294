"""The Gradients tab's job, headless: settings, the random problem, progress, stopping, results."""

import sys
import time

import numpy as np
import pytest

from engine.gradcheck import parameter_names
from engine.gradient_lab import LabConfig, LabResult, flow_factor, gradient_lab_job, make_problem
from engine.jobs import run_job

SMALL = LabConfig(cell="both", n_x=2, n_a=3, n_y=2, m=2, T_x=4, seed=3, use_tf=False)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"cell": "gru"}, "Unknown cell"),
        ({"loss": "first"}, "Unknown loss"),
        ({"n_x": 0}, "n_x must be a whole number from 1"),
        ({"m": 100}, "m must be a whole number"),
        ({"T_x": 2.5}, "T_x must be a whole number"),
        ({"n_a": True}, "n_a must be a whole number"),
        ({"scale": 0.0}, "weight scale"),
        ({"scale": float("nan")}, "weight scale"),
        ({"h": 0.5}, "difference step"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(changes, message):
    config = LabConfig(**changes)
    with pytest.raises(ValueError, match=message):
        config.validate()
    with pytest.raises(ValueError, match=message):
        next(gradient_lab_job(config))


def test_problem_is_reproducible_and_shared_between_cells():
    config = LabConfig(n_x=2, n_a=3, n_y=4, m=5, T_x=6, seed=9)
    rnn1, rnn2, lstm = make_problem(config, "rnn"), make_problem(config, "rnn"), make_problem(config, "lstm")
    for name in rnn1.parameters:
        np.testing.assert_array_equal(rnn1.parameters[name], rnn2.parameters[name])
    np.testing.assert_array_equal(rnn1.x, lstm.x)
    np.testing.assert_array_equal(rnn1.targets, lstm.targets)
    assert rnn1.x.shape == (2, 5, 6) and rnn1.a0.shape == (3, 5) and rnn1.targets.shape == (5, 6)
    assert rnn1.targets.min() >= 0 and rnn1.targets.max() < 4
    assert lstm.parameters["Wf"].shape == (3, 5) and lstm.parameters["Wy"].shape == (4, 3)
    assert np.all(np.abs(rnn1.a0) <= 1)


def test_weight_scale_multiplies_the_recurrent_weights_only():
    one = make_problem(LabConfig(seed=2, scale=1.0), "lstm").parameters
    three = make_problem(LabConfig(seed=2, scale=3.0), "lstm").parameters
    for name in ("Wf", "Wi", "Wc", "Wo"):
        np.testing.assert_allclose(three[name], 3.0 * one[name])
    for name in ("bf", "Wy", "by"):
        np.testing.assert_array_equal(three[name], one[name])


def test_job_checks_every_array_of_both_cells():
    events = []
    result = run_job(gradient_lab_job(SMALL), events.append)
    assert isinstance(result, LabResult) and result.tf_status == "skipped"
    assert [r.cell for r in result.cells] == ["rnn", "lstm"]
    for report in result.cells:
        names = [row.name for row in report.rows]
        assert names == ["d" + n for n in parameter_names(report.cell)] + ["dx", "da0"]
        assert all(row.rel_err_numeric < 1e-6 and row.numeric_verdict() == "good" for row in report.rows)
        assert all(row.rel_err_tf is None and row.tf_verdict() is None for row in report.rows)
        assert report.flow.shape == (4,) and np.all(report.flow > 0)
        assert report.flow_gradient.shape == report.activations.shape == (3, 2, 4)
        assert set(report.gradients) == set(names)
        for row in report.rows:
            assert report.gradients[row.name].shape == row.shape
            assert row.norm == pytest.approx(np.linalg.norm(report.gradients[row.name]))
    assert result.worst() < 1e-6

    # Progress: one total (the number of perturbed elements), steps never go back,
    # and the table is sent as a payload once the numerical part is done.
    totals = {e.total for e in events}
    assert totals == {SMALL.elements("rnn") + SMALL.elements("lstm")}
    steps = [e.step for e in events]
    assert steps == sorted(steps) and steps[-1] == totals.pop()
    payloads = [e.payload for e in events if e.payload is not None]
    assert len(payloads) == 1 and isinstance(payloads[0], LabResult) and payloads[0] is not result


def test_elements_counts_every_perturbed_number():
    config = LabConfig(n_x=3, n_a=5, n_y=2, m=4, T_x=12)
    rnn, lstm = make_problem(config, "rnn"), make_problem(config, "lstm")
    for cell, problem in (("rnn", rnn), ("lstm", lstm)):
        expected = sum(p.size for p in problem.parameters.values()) + problem.x.size + problem.a0.size
        assert config.elements(cell) == expected


def test_job_yields_often_and_stops_when_closed():
    config = LabConfig(cell="lstm", n_x=8, n_a=16, n_y=4, m=8, T_x=30, use_tf=False)
    job = gradient_lab_job(config)
    last = time.perf_counter()
    gaps = []
    for _ in range(8):
        next(job)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    job.close()  # what Stop does: no exception, nothing left running
    assert max(gaps[1:]) < 0.25  # the throttle yields every 50 ms; generous for a busy machine


def test_tiny_gradients_are_called_unresolved_not_wrong():
    config = LabConfig(cell="rnn", n_a=5, m=4, T_x=30, scale=0.2, loss="last", use_tf=False)
    result = run_job(gradient_lab_job(config))
    rows = {row.name: row for row in result.rows}
    assert rows["da0"].norm < 1e-12  # vanished over 30 steps
    assert rows["da0"].numeric_floor > 1e-5 and not rows["da0"].resolvable
    assert rows["da0"].numeric_verdict() == "unresolved"
    assert rows["dWax"].numeric_verdict() == "good"


@pytest.mark.tf
def test_job_with_tensorflow_fills_the_tf_column():
    pytest.importorskip("tensorflow")
    events = []
    result = run_job(gradient_lab_job(LabConfig(**{**SMALL.__dict__, "use_tf": True})), events.append)
    assert result.tf_status == "checked"
    assert all(row.rel_err_tf is not None and row.rel_err_tf < 1e-9 for row in result.rows)
    assert any(e.total is None for e in events)  # the TensorFlow phase has no known length


def test_tensorflow_failure_is_reported_not_raised(monkeypatch):
    import engine.tf_reference

    def broken():
        raise ImportError("no TensorFlow on this machine")

    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(engine.tf_reference, "import_tensorflow", broken)
    result = run_job(gradient_lab_job(LabConfig(**{**SMALL.__dict__, "use_tf": True})))
    assert result.tf_status.startswith("TensorFlow could not be loaded")
    assert "no TensorFlow" in result.tf_status
    assert all(row.rel_err_tf is None for row in result.rows)
    assert result.worst() < 1e-6


def test_flow_factor_is_the_geometric_mean_ratio_per_step_back():
    norms = 3.0 * 0.5 ** np.arange(6)[::-1]  # each step back halves the gradient: 3/32 ... 3
    assert flow_factor(norms[::-1]) == pytest.approx(2.0)
    assert flow_factor(norms) == pytest.approx(0.5)
    assert flow_factor(np.array([1.0, 0.0])) > 1e100  # a vanished gradient still gives a finite factor
    assert flow_factor(np.array([4.0])) is None
    result = run_job(gradient_lab_job(LabConfig(cell="rnn", T_x=6, use_tf=False)))
    report = result.cells[0]
    ratios = report.flow[:-1] / report.flow[1:]
    assert report.flow_factor == pytest.approx(float(np.exp(np.mean(np.log(ratios)))))


def test_finish_keeps_the_cells_checked_so_far():
    from engine.jobs import FINISH, Progress

    config = LabConfig(cell="both", n_x=2, n_a=3, n_y=2, m=2, T_x=5, use_tf=True)

    def finish_when(predicate):
        job = gradient_lab_job(config)
        event = next(job)
        while not predicate(event):
            event = next(job)
        try:
            job.send(FINISH)
        except StopIteration as stop:
            return stop.value
        raise AssertionError("the job went on after FINISH")

    assert finish_when(lambda e: True) is None  # nothing checked yet: nothing to keep
    during_lstm = finish_when(lambda e: isinstance(e, Progress) and e.message.startswith("LSTM"))
    assert [report.cell for report in during_lstm.cells] == ["rnn"]
    assert during_lstm.tf_status.startswith("Stopped") and all(r.rel_err_tf is None for r in during_lstm.rows)
    after_numeric = finish_when(lambda e: e.message == "Numerical check done")
    assert [report.cell for report in after_numeric.cells] == ["rnn", "lstm"]
    assert after_numeric.tf_status.startswith("Stopped") and after_numeric.worst() < 1e-5
