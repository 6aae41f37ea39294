"""Ensembles: the members' next-character probabilities averaged, saved in one file, trained in one job.

Independent truth: each member's own step-by-step probabilities, averaged by
hand; Jensen's inequality (the mixture scores at most the members' mean); the
file read back member by member.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.jobs import FINISH, run_job
from engine.names.corpus import Vocabulary
from engine.names.ensemble import Ensemble
from engine.names.io import FORMAT_VERSION, load_model, save_model
from engine.names.model import CharModel, make_batch
from engine.names.sample import sample_names
from engine.names.train import TrainResult, preset_config, score_names, train_job

VOCAB = Vocabulary(tuple("\nabcdef"))
SYLLABLES = ["ka", "ro", "sau", "rus", "ti", "don", "ba", "lo", "mi", "tor", "ce", "ra", "ps"]


def made_up_names(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))) + rng.choice(["saurus", "don", "tops"])
            for _ in range(n)]


def random_model(seed: int, cell="lstm", hidden=5) -> CharModel:
    rng = np.random.default_rng(seed)
    model = CharModel(cell, VOCAB.size, hidden, np.float64)
    model.init_default(rng)
    model.flat += 0.3 * rng.standard_normal(model.flat.size)
    return model


def step_by_step(model: CharModel, name: np.ndarray) -> list[np.ndarray]:
    """The model's next-symbol distributions along one name, through step_probabilities."""
    h = np.zeros((1, model.hidden))
    c = np.zeros((1, model.hidden)) if model.layer.has_cell else None
    p, h, c = model.step_probabilities(None, h, c)
    out = [p[0]]
    for symbol in name:
        p, h, c = model.step_probabilities(np.array([symbol]), h, c)
        out.append(p[0])
    return out


@pytest.fixture
def ensemble():
    return Ensemble([random_model(1), random_model(2, "rnn", 7), random_model(3, hidden=3)])


def test_next_char_probabilities_are_the_members_average(ensemble):
    name = np.array([3, 1, 4, 1, 5])
    by_hand = np.mean([step_by_step(m, name) for m in ensemble.members], axis=0)
    state = ensemble.start_state(1)
    p, state = ensemble.next_char_probabilities(None, state)
    np.testing.assert_allclose(p[0], by_hand[0], rtol=1e-12)
    for t, symbol in enumerate(name):
        p, state = ensemble.next_char_probabilities(np.array([symbol]), state)
        np.testing.assert_allclose(p[0], by_hand[t + 1], rtol=1e-12)
    # temperature reshapes the averaged distribution: p^(1/T), renormalised
    p2, _ = ensemble.next_char_probabilities(None, ensemble.start_state(1), temperature=0.5)
    expected = by_hand[0] ** 2 / (by_hand[0] ** 2).sum()
    np.testing.assert_allclose(p2[0], expected, rtol=1e-10)


def test_nll_of_the_mixture_step_by_step_and_below_the_members_mean(ensemble):
    names = [np.array([1, 2, 3]), np.array([4]), np.array([5, 6, 1, 2, 3, 4])]
    expected = 0.0
    for e in names:
        dists = np.mean([step_by_step(m, e) for m in ensemble.members], axis=0)
        for t, target in enumerate([*e, 0]):
            expected -= math.log(dists[t][target])
    batch = make_batch(names)
    assert ensemble.nll(batch) == pytest.approx(expected, rel=1e-10)
    assert ensemble.nll(batch) <= np.mean([m.nll(batch) for m in ensemble.members])  # Jensen
    text = [VOCAB.decode(e) for e in names]
    assert score_names(ensemble, VOCAB, text)[0] == pytest.approx(expected / batch.n_chars, rel=1e-10)


def test_an_ensemble_file_round_trips_and_says_its_version(ensemble, tmp_path):
    path = save_model(tmp_path / "e.npz", ensemble, VOCAB, known_names=["abc"])
    saved = load_model(path)
    assert saved.metadata["format_version"] == FORMAT_VERSION == 2
    assert isinstance(saved.model, Ensemble) and len(saved.model) == 3
    for ours, theirs in zip(saved.model.members, ensemble.members, strict=True):
        assert (ours.cell, ours.hidden) == (theirs.cell, theirs.hidden)
        np.testing.assert_array_equal(ours.flat, theirs.flat)
    assert sample_names(saved.model, VOCAB, 30, seed=4) == sample_names(ensemble, VOCAB, 30, seed=4)
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only
        assert "m2_Wy" in archive.files and "E" not in archive.files


@pytest.fixture(scope="module")
def names():
    return made_up_names(300, seed=7)


def tiny(**overrides):
    return preset_config("fast", hidden=12, steps=120, eval_every=20, patience=0, sample_every=0, **overrides)


def test_an_ensemble_job_trains_each_member_and_reports_every_curve(names):
    events = []
    result = run_job(train_job(names[:260], names[260:], tiny(ensemble=3, member_hidden=(12, 16))), events.append)
    assert isinstance(result.model, Ensemble) and len(result.members) == 3
    assert [m.config.hidden for m in result.members] == [12, 16, 12]
    assert len({m.config.seed for m in result.members}) == 3
    assert result.steps == 3 * 120
    member_of = [e.metrics["member"] for e in events if "member" in e.metrics]
    assert member_of == sorted(member_of) and set(member_of) == {0, 1, 2}
    ensemble_curve = [e.metrics["ensemble_val_loss"] for e in events if "ensemble_val_loss" in e.metrics]
    assert ensemble_curve and all(math.isfinite(v) for v in ensemble_curve)
    first = [e.metrics for e in events if e.metrics.get("member") == 0 and "val_loss" in e.metrics]
    assert all(m["ensemble_val_loss"] == m["val_loss"] for m in first)  # the ensemble of one member
    later = [e.metrics for e in events if e.metrics.get("member") == 2 and "val_loss" in e.metrics]
    assert any(m["ensemble_val_loss"] != m["val_loss"] for m in later)
    # the ensemble's validation loss is its own, scored independently, and no worse than its members' mean
    assert score_names(result.model, result.vocab, names[260:])[0] == pytest.approx(result.val_loss, rel=1e-6)
    assert result.val_loss <= np.mean([m.val_loss for m in result.members]) + 1e-9


def test_finish_keeps_the_finished_members(names):
    job = train_job(names[:260], names[260:], tiny(ensemble=4))
    members_seen = set()
    for event in job:
        members_seen.add(event.metrics.get("member"))
        if 2 in members_seen:
            break
    result = None
    try:
        job.send(FINISH)
        job.send(FINISH)
    except StopIteration as stop:
        result = stop.value
    assert isinstance(result, TrainResult) and result.reason == "stopped"
    # the two finished members, and the third (stopped) only if it makes the ensemble better; never the 4th
    assert [m.reason for m in result.members[:2]] == ["steps", "steps"]
    assert len(result.members) in (2, 3)
    assert result.steps > 2 * 120  # every step counts, kept or not
    assert isinstance(result.model, Ensemble) and len(result.model) == len(result.members)


def test_the_best_preset_sizes_the_ensemble_for_the_time_limit():
    assert preset_config("best").ensemble >= 4  # 60 s by default
    assert preset_config("best", time_limit=5).ensemble == 1
    assert preset_config("best", time_limit=600).ensemble == 8
    assert preset_config("best", ensemble=2).ensemble == 2
    assert len(set(preset_config("best").member_hidden)) > 1
    assert preset_config("best").val_split == 0.05 and preset_config("fast").val_split == 0.1
