"""Saving and loading trained models: numpy weights and JSON, saved whole, every field checked on load,
loaded without TensorFlow, the first format still read, and a good model never replaced unasked."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from jazz_helpers import tiny_model

from engine.jazz import ModelFileError, generate, load_model, save_model
from engine.jazz.storage import FORMAT_VERSION, JSON_FILE, KERAS_FILE, WEIGHTS_FILE, model_destination

pytestmark = pytest.mark.tf
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "m"
    save_model(tiny_model(), folder)
    return folder


def copy(saved, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(saved, target)
    return target


def edit_json(folder, change):
    meta = json.loads((folder / JSON_FILE).read_text())
    change(meta)
    (folder / JSON_FILE).write_text(json.dumps(meta))


def test_save_and_load_round_trip(saved):
    model = tiny_model()
    assert sorted(p.name for p in saved.iterdir()) == sorted([WEIGHTS_FILE, JSON_FILE])
    loaded = load_model(saved)
    assert loaded.vocabulary == model.vocabulary and loaded.settings == model.settings
    assert loaded.tokens == model.tokens and loaded.best_epoch == model.best_epoch
    assert loaded.source == model.source and loaded.history["loss"] == pytest.approx(model.history["loss"])
    for name, value in model.weights.items():
        assert np.array_equal(loaded.weights[name], value), name
    for name, value in model.parameters.items():
        assert np.array_equal(loaded.parameters[name], value), name
    a = generate(model, measures=8, seed=9, variations=2)
    b = generate(loaded, measures=8, seed=9, variations=2)
    assert [v.melody for v in a] == [v.melody for v in b]
    assert load_model(saved / JSON_FILE).vocabulary == model.vocabulary  # a file inside the folder works too
    with np.load(saved / WEIGHTS_FILE, allow_pickle=False) as archive:  # plain arrays, no pickle
        assert sorted(archive.files) == sorted(model.weights)


def test_loading_and_generating_import_no_tensorflow(saved, tmp_path):
    code = (
        "import sys; from engine.jazz import load_model, generate, export_midi;"
        f"m = load_model({str(saved)!r}); imp = generate(m, measures=4, seed=1)[0];"
        f"export_midi(imp, {str(tmp_path / 'x.mid')!r});"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["False", "False"]


def test_model_json_is_plain_json_with_a_version(saved):
    meta = json.loads((saved / JSON_FILE).read_text())
    assert meta["format_version"] == FORMAT_VERSION == 2
    assert meta["vocabulary"] == list(tiny_model().vocabulary)
    assert meta["settings"]["n_a"] == 16 and len(meta["weights_sha256"]) == 64


def test_missing_things(tmp_path, saved):
    with pytest.raises(ModelFileError, match="No such model folder"):
        load_model(tmp_path / "nothing")
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path)  # an empty folder
    folder = copy(saved, tmp_path)
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelFileError, match="missing weights.npz"):
        load_model(folder)


def test_corrupt_json(tmp_path, saved):
    folder = copy(saved, tmp_path)
    text = (folder / JSON_FILE).read_text()
    (folder / JSON_FILE).write_text(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match="damaged"):
        load_model(folder)
    (folder / JSON_FILE).write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ModelFileError, match="not a jazz model"):
        load_model(folder)
    (folder / JSON_FILE).write_bytes(text.encode("utf-16"))
    with pytest.raises(ModelFileError, match="UTF-16"):
        load_model(folder)


def set_source(key, value):
    return lambda meta: meta["source"].__setitem__(key, value)


def set_settings(key, value):
    return lambda meta: meta["settings"].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (set_source("time_signature", [100000, 1]), "time_signature"),
        (set_source("time_signature", [0, 4]), "time_signature"),
        (set_source("time_signature", [4, 0]), "time_signature"),
        (set_source("time_signature", [4, 3]), "denominator"),
        (set_source("time_signature", "4/4"), "time_signature"),
        (set_source("tempo", 0), "tempo"),
        (set_source("tempo", -120), "tempo"),
        (set_source("tempo", "fast"), "tempo"),
        (set_source("pitch_range", [88, 48]), "pitch_range"),
        (set_source("pitch_range", [48, 300]), "pitch_range"),
        (set_source("chords", []), "chords"),
        (set_source("chords", [{"symbol": "C", "root": 40, "pitch_classes": [0]}]), "root"),
        (set_source("token_indices", [0, 1, 10**6]), "token_indices"),
        (set_settings("t_x", -5), "t_x"),
        (set_settings("n_a", 100000), "n_a"),
        (set_settings("learning_rate", "x"), "learning_rate"),
        (set_settings("epochs", 2.5), "epochs"),
        (lambda meta: meta.__setitem__("vocabulary", []), "vocabulary"),
        (lambda meta: meta["tokens"][0].__setitem__(1, 0), "length of token"),
        (lambda meta: meta.__setitem__("best_epoch", -1), "best epoch"),
        (lambda meta: meta.__setitem__("history", {"loss": ["x"]}), "history"),
    ],
)
def test_every_field_is_checked_on_load(tmp_path, saved, change, words):
    folder = copy(saved, tmp_path)
    edit_json(folder, change)
    began = time.perf_counter()
    with pytest.raises(ModelFileError, match=words) as error:
        load_model(folder)
    assert time.perf_counter() - began < 2.0 and "\n" not in str(error.value)


def test_newer_format_is_refused(tmp_path, saved):
    folder = copy(saved, tmp_path)
    edit_json(folder, lambda meta: meta.__setitem__("format_version", FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="newer version"):
        load_model(folder)


def test_weights_from_another_save_are_refused(tmp_path, saved):
    other = replace(tiny_model(), weights={k: v + 1 for k, v in tiny_model().weights.items()})
    other_folder = save_model(other, tmp_path / "other")
    folder = copy(saved, tmp_path)
    shutil.copy(other_folder / WEIGHTS_FILE, folder / WEIGHTS_FILE)
    with pytest.raises(ModelFileError, match="does not belong"):
        load_model(folder)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_weights_are_refused(tmp_path, saved, cut):
    folder = copy(saved, tmp_path)
    data = (folder / WEIGHTS_FILE).read_bytes()
    (folder / WEIGHTS_FILE).write_bytes(data[: int(len(data) * cut)])
    edit_json(folder, lambda meta: meta.__setitem__("weights_sha256", hashlib.sha256(data[: int(len(data) * cut)]).hexdigest()))
    with pytest.raises(ModelFileError, match="cannot be loaded|lacks"):
        load_model(folder)


def test_weights_of_the_wrong_shape_or_with_pickle_are_refused(tmp_path, saved):
    folder = copy(saved, tmp_path)

    def write(arrays, allow=False):
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        data = buffer.getvalue()
        (folder / WEIGHTS_FILE).write_bytes(data)
        edit_json(folder, lambda meta: meta.__setitem__("weights_sha256", hashlib.sha256(data).hexdigest()))

    weights = dict(tiny_model().weights)
    write(dict(weights, dense_bias=np.zeros(3, dtype=np.float32)))
    with pytest.raises(ModelFileError, match="does not match"):
        load_model(folder)
    write(dict(weights, dense_bias=np.array([{"evil": 1}] * weights["dense_bias"].size, dtype=object)))
    with pytest.raises(ModelFileError, match="pickle|does not match"):
        load_model(folder)
    write(dict(weights, lstm_bias=np.full_like(weights["lstm_bias"], np.nan)))
    with pytest.raises(ModelFileError, match="not finite"):
        load_model(folder)


def test_a_huge_weights_file_is_refused_before_it_is_read(tmp_path, saved):
    folder = copy(saved, tmp_path)
    with open(folder / WEIGHTS_FILE, "ab") as fh:
        fh.truncate(2**31)  # a 2 GB sparse file
    began = time.perf_counter()
    with pytest.raises(ModelFileError, match="does not match"):
        load_model(folder)
    assert time.perf_counter() - began < 1.0


def test_a_fifo_is_refused_without_waiting(tmp_path, saved):
    folder = copy(saved, tmp_path)
    (folder / WEIGHTS_FILE).unlink()
    os.mkfifo(folder / WEIGHTS_FILE)
    with pytest.raises(ModelFileError, match="FIFO|pipe"):
        load_model(folder)


def test_first_format_folders_still_load(tmp_path):
    """model.keras + model.json, as the studio saved them before (this path may import Keras)."""
    from engine.jazz.model import build_model

    model = tiny_model()
    folder = tmp_path / "old"
    folder.mkdir()
    keras_model = build_model(model.n_values, model.n_a, features=model.weights["lstm_kernel"].shape[0] - model.n_values)
    from engine.jazz.model import _keras_order

    keras_model.set_weights(_keras_order(keras_model, model.weights))
    keras_model.save(str(folder / KERAS_FILE))
    meta = {
        "format": "sequence-studio/jazz-lstm",
        "format_version": 1,
        "keras_file": KERAS_FILE,
        "keras_sha256": hashlib.sha256((folder / KERAS_FILE).read_bytes()).hexdigest(),
        "vocabulary": list(model.vocabulary),
        "settings": {k: v for k, v in model.settings.to_json().items() if k not in ("dropout", "validation", "patience")},
        "source": model.source.to_json(),
        "history": {"loss": [3.0], "accuracy": [0.1]},
        "seconds": 1.0,
    }
    (folder / JSON_FILE).write_text(json.dumps(meta))
    loaded = load_model(folder)
    assert loaded.settings.dropout == 0.0 and loaded.settings.validation == 0.0  # as the first format trained
    for name, value in model.weights.items():
        np.testing.assert_allclose(loaded.weights[name], value, rtol=1e-6)
    assert generate(loaded, measures=4, seed=2)[0].melody == generate(model, measures=4, seed=2)[0].melody
    data = (folder / KERAS_FILE).read_bytes()
    (folder / KERAS_FILE).write_bytes(data[: len(data) // 3])
    edit_json(folder, lambda m: m.__setitem__("keras_sha256", hashlib.sha256(data[: len(data) // 3]).hexdigest()))
    with pytest.raises(ModelFileError, match="cannot be loaded") as error:
        load_model(folder)
    assert "\n" not in str(error.value)


def test_saving_over_a_file_or_a_folder_of_other_things_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ModelFileError, match="is a file"):
        save_model(tiny_model(), tmp_path / "taken")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.txt").write_text("keep me")
    with pytest.raises(ModelFileError, match="other files"):
        save_model(tiny_model(), tmp_path / "docs")
    assert (tmp_path / "docs" / "letter.txt").read_text() == "keep me"


def test_a_save_that_fails_half_way_leaves_the_old_model(tmp_path, monkeypatch):
    from engine.jazz import storage

    folder = save_model(tiny_model(), tmp_path / "m")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    newer = replace(tiny_model(), weights={k: v * 2 for k, v in tiny_model().weights.items()})

    def dies(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.json, "dumps", dies)  # the weights are written, then the JSON fails
    with pytest.raises((ModelFileError, OSError)):
        save_model(newer, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name != "m"]  # no temporaries left behind
    monkeypatch.undo()
    save_model(newer, folder)
    assert np.array_equal(load_model(folder).weights["dense_bias"], newer.weights["dense_bias"])


def test_a_good_model_is_never_replaced_by_a_partial_or_worse_one_unasked(tmp_path):
    model = tiny_model()
    folder = tmp_path / "m"
    assert model_destination(model, folder) == (folder, f"saved the model in {folder}")
    save_model(model, folder)
    partial = replace(model, stopped="finished")
    target, note = model_destination(partial, folder)
    assert target == tmp_path / "m-2" and "partial" in note and "kept the model" in note
    diverged = replace(model, stopped="diverged")
    assert "diverged" in model_destination(diverged, folder)[1]
    worse = replace(model, history=dict(model.history, val_loss=[v + 1 for v in model.history["val_loss"]]))
    target, note = model_destination(worse, folder)
    assert target == tmp_path / "m-2" and "worse" in note
    better = replace(model, history=dict(model.history, val_loss=[v - 1 for v in model.history["val_loss"]]))
    assert model_destination(better, folder) == (folder, f"replaced the model in {folder}")
    assert model_destination(partial, folder, force=True)[0] == folder
    (tmp_path / "m-2").mkdir()
    assert model_destination(partial, folder)[0] == tmp_path / "m-3"
