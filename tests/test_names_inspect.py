"""Inside the names model: scores against the training loss, traces against the model's own step,
beam search against brute force, the unit search on a planted unit, and the command line."""

import itertools
import json

import numpy as np
import pytest

from cli import main
from engine.jobs import FINISH, Progress
from engine.names.corpus import Vocabulary
from engine.names.ensemble import Ensemble
from engine.names.inspect import (
    InspectError,
    _features,
    beam_search,
    iter_beam_search,
    iter_search_units,
    iter_training_surprise,
    name_surprises,
    quantities,
    score_name,
    search_units,
    trace_names,
    training_surprise,
    unit_view,
)
from engine.names.io import save_model
from engine.names.model import CharModel, make_batch

NAMES = ["abe", "bea", "cab", "deed", "ebb", "ace", "bead", "dab", "cede", "abba", "baba", "ada"]
VOCAB = Vocabulary.from_names(NAMES)


def random_model(cell: str, hidden: int = 6, seed: int = 0, dtype=np.float64) -> CharModel:
    model = CharModel(cell, VOCAB.size, hidden, dtype)
    model.init_default(np.random.default_rng(seed))
    model.params["b"][...] = np.random.default_rng(seed + 1).normal(0, 0.5, model.params["b"].shape)
    return model


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_surprise_is_the_training_loss(cell):
    model = random_model(cell)
    surprises = name_surprises(model, VOCAB, NAMES)
    for name, surprise in zip(NAMES, surprises, strict=True):
        assert surprise.shape == (len(name) + 1,)
        nll = model.nll(make_batch([VOCAB.encode(name)]))  # the loss training minimises, one name
        assert surprise.sum() == pytest.approx(nll, rel=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_traces_follow_the_models_own_step(cell):
    model = random_model(cell)
    traces = trace_names(model, VOCAB, ["deed", "abba"])
    assert set(traces[0].values) == set(quantities(model))
    for trace in traces:
        h = np.zeros((1, model.hidden))
        c = np.zeros((1, model.hidden)) if cell == "lstm" else None
        _p, h, c = model.step_probabilities(None, h, c)
        for k, symbol in enumerate(VOCAB.encode(trace.name)):
            _p, h, c = model.step_probabilities(np.array([symbol]), h, c)  # after reading character k + 1
            np.testing.assert_allclose(trace.values["hidden"][k], h[0], rtol=1e-10, atol=1e-12)
            if cell == "lstm":
                np.testing.assert_allclose(trace.values["cell"][k], c[0], rtol=1e-10, atol=1e-12)
        if cell == "lstm":  # the gates are the ones that made those states
            v = trace.values
            # row 0 follows the state after the zero first input, which the trace leaves out
            c_prev = v["cell"][:-1]
            np.testing.assert_allclose(v["cell"][1:], v["forget"][1:] * c_prev + v["input"][1:] * v["candidate"][1:])
            np.testing.assert_allclose(v["hidden"], v["output"] * np.tanh(v["cell"]))
            for gate in ("forget", "input", "output"):
                assert 0 < v[gate].min() and v[gate].max() < 1


def test_score_ranks_against_the_training_names():
    model = random_model("lstm")
    reference = training_surprise(model, VOCAB, NAMES)
    assert reference.shape == (len(NAMES),) and np.all(np.diff(reference) >= 0)
    per_char = {n: s.mean() for n, s in zip(NAMES, name_surprises(model, VOCAB, NAMES), strict=True)}
    best = min(per_char, key=per_char.get)
    worst = max(per_char, key=per_char.get)
    top = score_name(model, VOCAB, best.upper(), reference=reference, known=NAMES)  # lower-cased like the corpus
    assert top.name == best and top.rank == 1 and top.known and top.out_of == len(NAMES)
    assert top.better_than == pytest.approx((len(NAMES) - 1) / len(NAMES))
    bottom = score_name(model, VOCAB, worst, reference=reference)
    assert bottom.rank == len(NAMES) and bottom.better_than == 0.0
    assert not bottom.known
    assert bottom.chars == (*worst, "")
    np.testing.assert_allclose(bottom.probabilities, np.exp(-bottom.surprise))
    assert bottom.per_char == pytest.approx(bottom.total / (len(worst) + 1))


def test_names_the_model_cannot_read_are_refused():
    model = random_model("rnn")
    with pytest.raises(InspectError, match="never seen: 'z'"):
        score_name(model, VOCAB, "zeb")
    with pytest.raises(InspectError, match="at least one character"):
        trace_names(model, VOCAB, ["  "])
    with pytest.raises(InspectError, match="no cell state"):
        unit_view(model, VOCAB, ["abe"], 0, "cell")
    with pytest.raises(InspectError, match="no unit 6"):
        unit_view(model, VOCAB, ["abe"], 6)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_beam_search_finds_the_most_likely_names(cell):
    """With a beam as wide as every name up to length 3, the beam is exhaustive: it must agree with brute force."""
    model = random_model(cell, seed=3)
    letters = VOCAB.chars[1:]
    every = ["".join(p) for n in range(1, 4) for p in itertools.product(letters, repeat=n)]
    log_p = {n: -s.sum() for n, s in zip(every, name_surprises(model, VOCAB, every), strict=True)}
    width = len(every)
    found = beam_search(model, VOCAB, width, max_length=3, known=NAMES)
    assert [b.name for b in found[:10]] == sorted(every, key=lambda n: -log_p[n])[:10]
    for b in found:
        assert b.log_prob == pytest.approx(log_p[b.name], abs=1e-9)
        assert b.new == (b.name not in NAMES)
    narrow = beam_search(model, VOCAB, 3, max_length=12, min_length=2, prefix="B")
    assert len(narrow) == 3 and all(b.name.startswith("b") and len(b.name) >= 2 for b in narrow)
    scores = [b.log_prob for b in narrow]
    assert scores == sorted(scores, reverse=True)
    for b in narrow:  # each reported probability is the name's true one
        assert b.log_prob == pytest.approx(-name_surprises(model, VOCAB, [b.name])[0].sum(), abs=1e-9)
    with pytest.raises(InspectError, match="beam width"):
        beam_search(model, VOCAB, 0)


def test_an_ensemble_scores_with_its_members_averaged():
    members = [random_model("lstm", seed=s) for s in (1, 2, 3)]
    ensemble = Ensemble(members)
    alone = [name_surprises(m, VOCAB, NAMES) for m in members]
    mixed = name_surprises(ensemble, VOCAB, NAMES)
    for j in range(len(NAMES)):
        averaged = np.mean([np.exp(-a[j]) for a in alone], axis=0)  # p = (1/K) sum_k p_k, character by character
        np.testing.assert_allclose(mixed[j], -np.log(averaged), rtol=1e-10)
        nll = ensemble.nll(make_batch([VOCAB.encode(NAMES[j])]))
        assert mixed[j].sum() == pytest.approx(nll, rel=1e-10)
    found = beam_search(ensemble, VOCAB, 4, max_length=8)
    for b in found:
        assert b.log_prob == pytest.approx(-name_surprises(ensemble, VOCAB, [b.name])[0].sum(), abs=1e-9)
    second = trace_names(ensemble, VOCAB, ["abe"], member=1)[0]  # units belong to one member
    np.testing.assert_array_equal(second.values["cell"], trace_names(members[1], VOCAB, ["abe"])[0].values["cell"])
    with pytest.raises(InspectError, match="no member 3"):
        unit_view(ensemble, VOCAB, ["abe"], member=3)


def test_the_slow_calls_are_jobs_that_finish_with_what_they_have():
    model = random_model("lstm")
    many = [a + b + c for a in "abcde" for b in "abcde" for c in "abcde"] * 5  # 625 names: three batches
    job = iter_search_units(model, VOCAB, many)
    first = next(job)
    assert isinstance(first, Progress) and first.step == 256 and first.total == len(many)
    try:
        job.send(FINISH)
    except StopIteration as stop:
        partial = stop.value
    assert partial.n_names == 256 and partial.n_chars == 256 * 3  # the search over the one batch read
    job = iter_training_surprise(model, VOCAB, many)
    assert next(job).total == 125  # the distinct names
    reference = None
    try:
        job.send(FINISH)
    except StopIteration as stop:
        reference = stop.value
    assert reference.shape == (125,)  # all fit in one batch: finished whole
    job = iter_beam_search(model, VOCAB, 5, max_length=20)
    assert next(job).step == 1
    try:
        while True:
            job.send(FINISH)
    except StopIteration as stop:
        assert isinstance(stop.value, list)
    with pytest.raises(InspectError, match="minimum length"):
        beam_search(model, VOCAB, 3, min_length=9, max_length=5)


def test_features_of_a_name():
    features = _features(["abe", "do"])
    np.testing.assert_array_equal(features["position"], [1, 2, 3, 1, 2])
    np.testing.assert_array_equal(features["to_end"], [2, 1, 0, 1, 0])
    np.testing.assert_array_equal(features["vowel"], [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(_features(["éa", "ý"])["vowel"], [1, 1, 0])


def test_any_corpus_even_without_vowels():
    names = ["ŋʃt", "ʃʃŋ", "tŋ", "京都", "大阪"]
    vocab = Vocabulary.from_names(names)
    model = CharModel("lstm", vocab.size, 4, np.float64)
    model.init_default(np.random.default_rng(0))
    result = search_units(model, vocab, names, top=3)
    assert all(m.r == 0.0 for m in result.matches["vowel"])  # a constant feature follows nothing
    assert all(np.isfinite(m.r) for m in result.matches["position"])
    assert score_name(model, vocab, "京都").chars == ("京", "都", "")
    assert all(set(b.name) <= set("ŋʃt京都大阪") for b in beam_search(model, vocab, 3))


def test_the_search_finds_a_planted_vowel_unit_and_a_counter():
    """An RNN whose unit 2 is driven by vowels only, and whose unit 4 adds up steps: the search must say so."""
    model = CharModel("rnn", VOCAB.size, 5, np.float64)
    model.init_default(np.random.default_rng(0))
    p = model.params
    p["Wh"][...] = 0.0
    p["Wh"][4, 4] = 1.0  # unit 4 keeps its value and adds a little every step: a counter
    p["b"][...] = 0.0
    p["b"][4] = 0.15
    p["E"][:, 2] = [3.0 if ch in "aeiou" else -3.0 for ch in VOCAB.chars]
    p["E"][:, 4] = 0.0
    result = search_units(model, VOCAB, NAMES, top=3)
    assert result.n_names == len(NAMES) and result.n_chars == sum(len(n) for n in NAMES)
    vowel = result.matches["vowel"][0]
    assert (vowel.quantity, vowel.unit) == ("hidden", 2) and vowel.r > 0.99
    position = result.matches["position"][0]
    assert position.unit == 4 and position.r > 0.95
    for matches in result.matches.values():
        assert [abs(m.r) for m in matches] == sorted((abs(m.r) for m in matches), reverse=True)
    traces = trace_names(model, VOCAB, NAMES)
    values = np.concatenate([t.values["hidden"][:, 4] for t in traces])
    assert position.r == pytest.approx(np.corrcoef(values, _features(NAMES)["position"])[0, 1])


def test_unit_view_of_an_lstm():
    model = random_model("lstm", hidden=8)
    view = unit_view(model, VOCAB, ["abe", "deed"], "most active", "forget")
    assert view.chosen_as == "most active" and (view.low, view.high) == (0.0, 1.0)
    assert [v.shape for v in view.values] == [(3,), (4,)]
    traces = trace_names(model, VOCAB, ["abe", "deed"])
    mean_abs = np.abs(np.concatenate([t.values["forget"] for t in traces])).mean(axis=0)
    assert view.unit == int(mean_abs.argmax())
    cell = unit_view(model, VOCAB, ["abe"], 3, "cell")
    assert cell.unit == 3 and cell.high == pytest.approx(np.abs(cell.values[0]).max())
    search = search_units(model, VOCAB, NAMES, top=40)
    assert {m.quantity for m in search.matches["position"]} <= set(quantities(model))


# -- the command line ---------------------------------------------------------------------
@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "tiny.npz"
    save_model(path, random_model("lstm", dtype=np.float32), VOCAB, known_names=NAMES)
    return str(path)


def test_names_score_json_is_one_line(model_file, capsys):
    assert main(["names", "score", "--model", model_file, "abe", "dab", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    scores = json.loads(out)
    assert [s["name"] for s in scores] == ["abe", "dab"]
    assert [c["char"] for c in scores[0]["chars"]] == ["a", "b", "e", ""]
    assert scores[0]["out_of"] == len(NAMES) and scores[0]["known"] is True
    total = sum(c["surprise"] for c in scores[0]["chars"])
    assert scores[0]["total"] == pytest.approx(total) and scores[0]["per_char"] == pytest.approx(total / 4)


def test_names_score_text_and_a_bad_name(model_file, capsys):
    assert main(["names", "score", "--model", model_file, "bead"]) == 0
    out = capsys.readouterr().out
    assert "bead:" in out and "nats per character" in out and "END" in out
    assert main(["names", "score", "--model", model_file, "xyz"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "never seen" in err and "\n" not in err


def test_names_units_view_and_search(model_file, capsys):
    assert main(["names", "units", "--model", model_file, "abe", "deed", "--quantity", "cell", "--unit", "2"]) == 0
    out = capsys.readouterr().out
    assert "cell state c, unit 2" in out and "deed" in out
    assert main(["names", "units", "--model", model_file, "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["chosen_as"] == "most active" and len(view["names"]) == 12
    assert main(["names", "units", "--model", model_file, "--search", "--top", "2", "--json"]) == 0
    search = json.loads(capsys.readouterr().out)
    assert search["names"] == len(NAMES) and set(search["matches"]) == {"position", "to_end", "vowel"}
    assert all(len(m) == 2 for m in search["matches"].values())
    assert main(["names", "units", "--model", model_file, "--unit", "99"]) == 2
    assert "no unit 99" in capsys.readouterr().err


def test_names_sample_beam(model_file, capsys):
    assert main(["names", "sample", "--model", model_file, "--beam", "4", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == 4 and all(len(f["name"]) >= 3 for f in found)  # the command line's shortest name is 3
    log_probs = [f["log_prob"] for f in found]
    assert log_probs == sorted(log_probs, reverse=True)
    assert main(["names", "sample", "--model", model_file, "--beam", "3", "--min-length", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["names", "sample", "--model", model_file, "-n", "3", "--seed", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3  # without --beam, sampling as before


def test_names_commands_on_a_saved_ensemble(tmp_path, capsys):
    path = tmp_path / "ensemble.npz"
    save_model(path, Ensemble([random_model("rnn", seed=s, dtype=np.float32) for s in (1, 2)]), VOCAB,
               known_names=NAMES)
    assert main(["names", "score", "--model", str(path), "abe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["out_of"] == len(NAMES)
    assert main(["names", "units", "--model", str(path), "--member", "1", "--search", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["names"] == len(NAMES)
    assert main(["names", "sample", "--model", str(path), "--beam", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
