"""Saving and loading trained models, and refusing files that do not belong together."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from jazz_helpers import tiny_model

from engine.jazz import ModelFileError, generate, load_model, save_model
from engine.jazz.storage import FORMAT_VERSION, JSON_FILE, KERAS_FILE

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    save_model(tiny_model(), folder)
    return folder


def copy(saved, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(saved, target)
    return target


def test_save_and_load_round_trip(saved):
    model = tiny_model()
    assert sorted(p.name for p in saved.iterdir()) == sorted([KERAS_FILE, JSON_FILE])
    loaded = load_model(saved)
    assert loaded.vocabulary == model.vocabulary and loaded.settings == model.settings
    assert loaded.source == model.source and loaded.history["loss"] == pytest.approx(model.history["loss"])
    for name, value in model.parameters.items():
        assert np.array_equal(loaded.parameters[name], value), name
    a = generate(model, measures=8, seed=9, variations=2)
    b = generate(loaded, measures=8, seed=9, variations=2)
    assert [v.melody for v in a] == [v.melody for v in b]
    assert load_model(saved / JSON_FILE).vocabulary == model.vocabulary  # a file inside the folder works too


def test_model_json_is_plain_json_with_a_version(saved):
    meta = json.loads((saved / JSON_FILE).read_text())
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["vocabulary"] == list(tiny_model().vocabulary)
    assert meta["settings"]["n_a"] == 16 and len(meta["keras_sha256"]) == 64


def test_missing_things(tmp_path, saved):
    with pytest.raises(ModelFileError, match="No such model folder"):
        load_model(tmp_path / "nothing")
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path)  # an empty folder
    folder = copy(saved, tmp_path)
    (folder / KERAS_FILE).unlink()
    with pytest.raises(ModelFileError, match="missing model.keras"):
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


def test_newer_format_is_refused(tmp_path, saved):
    folder = copy(saved, tmp_path)
    meta = json.loads((folder / JSON_FILE).read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (folder / JSON_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="newer version"):
        load_model(folder)


def test_keras_file_from_another_save_is_refused(tmp_path, saved):
    from engine.jazz import TrainSettings, build_corpus, default_piece, read_song, train_job
    from engine.jobs import run_job

    other = run_job(train_job(build_corpus(read_song(default_piece())), TrainSettings(epochs=1, n_a=12, t_x=8, stride=8)))
    other_folder = save_model(other, tmp_path / "other")
    folder = copy(saved, tmp_path)
    shutil.copy(other_folder / KERAS_FILE, folder / KERAS_FILE)
    with pytest.raises(ModelFileError, match="does not belong"):
        load_model(folder)
    # even with the checksum patched, the shapes give it away
    meta = json.loads((folder / JSON_FILE).read_text())
    meta["keras_sha256"] = json.loads((other_folder / JSON_FILE).read_text())["keras_sha256"]
    (folder / JSON_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="units|vocabulary"):
        load_model(folder)


def test_damaged_keras_file_is_refused(tmp_path, saved):
    import hashlib

    folder = copy(saved, tmp_path)
    data = (folder / KERAS_FILE).read_bytes()
    (folder / KERAS_FILE).write_bytes(data[: len(data) // 3])
    meta = json.loads((folder / JSON_FILE).read_text())
    meta["keras_sha256"] = hashlib.sha256((folder / KERAS_FILE).read_bytes()).hexdigest()
    (folder / JSON_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="cannot be loaded"):
        load_model(folder)


def test_vocabulary_that_does_not_match_is_refused(tmp_path, saved):
    folder = copy(saved, tmp_path)
    meta = json.loads((folder / JSON_FILE).read_text())
    meta["vocabulary"] = meta["vocabulary"][:-1]
    meta["source"]["token_indices"] = [i for i in meta["source"]["token_indices"] if i < len(meta["vocabulary"])]
    for key in ("bar_starts", "piece_bounds"):  # they index the sequence just shortened: leave them out
        meta["source"].pop(key, None)
    (folder / JSON_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="vocabulary"):
        load_model(folder)


def test_saving_over_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ModelFileError, match="is a file"):
        save_model(tiny_model(), tmp_path / "taken")


def test_lambda_layers_are_refused_by_safe_mode(tmp_path, saved):
    """A .keras file with code in it (a Lambda layer) must not load."""
    import hashlib

    import keras

    inputs = keras.Input((None, 4))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    evil = keras.Model(inputs, outputs)
    folder = copy(saved, tmp_path)
    evil.save(str(folder / KERAS_FILE))
    meta = json.loads((folder / JSON_FILE).read_text())
    meta["keras_sha256"] = hashlib.sha256((folder / KERAS_FILE).read_bytes()).hexdigest()
    (folder / JSON_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="cannot be loaded.*(unsafe|safe_mode|Lambda)"):
        load_model(folder)
