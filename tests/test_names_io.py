"""Saving and loading names models: exact round trips, atomic writes, clear refusals."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from engine.names import io as model_io
from engine.names.corpus import Vocabulary
from engine.names.io import FORMAT_VERSION, SINGLE_FORMAT_VERSION, ModelFileError, load_model, save_model
from engine.names.model import CharModel
from engine.names.sample import sample_names
from engine.names.train import preset_config

VOCAB = Vocabulary(("\n", *"abcdeé"))


def trained_like_model(cell="lstm", dtype=np.float32) -> CharModel:
    model = CharModel(cell, VOCAB.size, 6, dtype)
    model.init_default(np.random.default_rng(0), unigram=np.arange(VOCAB.size))
    return model


@pytest.mark.parametrize("cell,dtype", [("lstm", np.float32), ("rnn", np.float64)])
def test_round_trip_is_exact(tmp_path, cell, dtype):
    model = trained_like_model(cell, dtype)
    path = save_model(tmp_path / "m.npz", model, VOCAB, lowercase=False, known_names=["abc", "déa"],
                      config=preset_config("fast", cell=cell), extra={"val_loss": 1.5, "train_loss": float("nan")})
    saved = load_model(path)
    assert saved.model.cell == cell and saved.model.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(saved.model.flat, model.flat)
    assert saved.vocab == VOCAB
    assert saved.known_names == {"abc", "déa"}
    assert saved.lowercase is False
    assert saved.metadata["val_loss"] == 1.5 and saved.metadata["train_loss"] is None
    assert saved.hyperparameters["cell"] == cell
    assert saved.metadata["format_version"] == SINGLE_FORMAT_VERSION  # a single model stays readable by older versions
    a = sample_names(model, VOCAB, 20, seed=3)
    assert a == sample_names(saved.model, saved.vocab, 20, seed=3)


def test_the_file_holds_plain_arrays_only(tmp_path):
    path = save_model(tmp_path / "m.npz", trained_like_model(), VOCAB)
    with np.load(path, allow_pickle=False) as archive:  # would raise on any object array
        assert set(archive.files) == {"E", "b", "Wh", "Wy", "by", "metadata", "known_names"}
        meta = json.loads(archive["metadata"].tobytes().decode("utf-8"))
    assert meta["vocabulary"][0] == "\n" and meta["cell"] == "lstm"


def test_a_failed_save_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    path = save_model(tmp_path / "m.npz", trained_like_model(), VOCAB)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        with open(file, "wb") as fh:
            fh.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(model_io.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, trained_like_model("rnn"), VOCAB)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def rewrite(path, **changes):
    """Copy of a saved model with some entries replaced (None removes one)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    out = path.with_name("changed.npz")
    np.savez(out, **arrays)
    return out


def metadata_bytes(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(archive["metadata"].tobytes().decode("utf-8"))
    meta.update(changes)
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


@pytest.fixture
def good(tmp_path):
    return save_model(tmp_path / "good.npz", trained_like_model(), VOCAB)


def test_refusals_of_files_that_are_not_models(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)
    text = tmp_path / "notes.npz"
    text.write_text("just some text")
    with pytest.raises(ModelFileError, match="not a valid .npz"):
        load_model(text)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="lacks"):
        load_model(other)


def test_refuses_truncated_archives(good):
    data = good.read_bytes()
    cut = good.with_name("cut.npz")
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cannot be loaded"):
        load_model(cut)


def test_refuses_pickled_arrays(good, tmp_path):
    with np.load(good, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["E"] = np.array([{"evil": 1}], dtype=object)
    bad = tmp_path / "pickled.npz"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for key, value in arrays.items():
            member = io.BytesIO()
            np.save(member, value, allow_pickle=True)
            zf.writestr(f"{key}.npy", member.getvalue())
    bad.write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(bad)


def test_refuses_newer_or_foreign_formats(good):
    with pytest.raises(ModelFileError, match="newer version"):
        load_model(rewrite(good, metadata=metadata_bytes(good, format_version=FORMAT_VERSION + 1)))
    with pytest.raises(ModelFileError, match="not a names model"):
        load_model(rewrite(good, metadata=metadata_bytes(good, format="something-else")))
    with pytest.raises(ModelFileError, match="format version"):
        load_model(rewrite(good, metadata=metadata_bytes(good, format_version="one")))
    with pytest.raises(ModelFileError, match="unreadable metadata"):
        load_model(rewrite(good, metadata=np.frombuffer(b"{not json", dtype=np.uint8)))


def test_refuses_inconsistent_contents(good):
    with pytest.raises(ModelFileError, match="Wh is"):
        load_model(rewrite(good, Wh=np.zeros((6, 7), np.float32)))
    with pytest.raises(ModelFileError, match="E is"):
        load_model(rewrite(good, metadata=metadata_bytes(good, vocabulary=["\n", "a", "b"])))
    with pytest.raises(ModelFileError, match="not finite"):
        with np.load(good) as archive:
            by = archive["by"].copy()
        by[0] = np.nan
        load_model(rewrite(good, by=by))
    with pytest.raises(ModelFileError, match="vocabulary"):
        load_model(rewrite(good, metadata=metadata_bytes(good, vocabulary=["a", "b"])))
    with pytest.raises(ModelFileError, match="cell"):
        load_model(rewrite(good, metadata=metadata_bytes(good, cell="gru")))
    with pytest.raises(ModelFileError, match="lacks Wy"):
        load_model(rewrite(good, Wy=None))
    with pytest.raises(ModelFileError, match="not text"):
        load_model(rewrite(good, metadata=np.zeros(3)))


def test_model_path_checks_the_name_as_given_then_adds_the_suffix(tmp_path):
    from engine.files import FileCheckError
    from engine.names.io import model_path

    assert model_path(tmp_path / "m") == tmp_path / "m.npz"
    assert model_path(tmp_path / "m.NPZ") == tmp_path / "m.NPZ"
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileCheckError, match="is a folder"):
        model_path(tmp_path / "folder")
    (tmp_path / "taken.npz").mkdir()  # the name with its suffix is checked too
    with pytest.raises(FileCheckError, match="is a folder"):
        model_path(tmp_path / "taken")


def test_model_metadata_has_one_set_of_keys_and_the_kept_step():
    from types import SimpleNamespace

    from engine.names.io import model_metadata

    result = SimpleNamespace(train_loss=1.2, val_loss=1.5, steps=4500, best_step=2500, seconds=12.345678,
                             reason="early stopping", members=[])
    meta = model_metadata(result, "dinos.txt", 1536, 154)
    assert meta == {"train_loss": 1.2, "val_loss": 1.5, "steps": 4500, "best_step": 2500, "seconds": 12.346,
                    "reason": "early stopping", "corpus": {"source": "dinos.txt", "names": 1536, "validation": 154}}


def test_why_not_replace_protects_a_better_or_complete_model(tmp_path):
    from engine.names.io import free_path_beside, why_not_replace

    path = save_model(tmp_path / "m.npz", trained_like_model(), VOCAB,
                      extra={"val_loss": 1.5, "corpus": {"source": "names.txt"}})
    assert why_not_replace(tmp_path / "new.npz", 9.0, True, "names.txt") is None  # nothing there
    assert "stopped before its end" in why_not_replace(path, 1.0, True, "names.txt")
    assert "better model" in why_not_replace(path, 1.6, False, "names.txt")
    assert why_not_replace(path, 1.4, False, "names.txt") is None  # better: replace
    assert why_not_replace(path, 1.6, False, "other.txt") is None  # other names: not comparable
    assert free_path_beside(path) == tmp_path / "m-1.npz"
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes")
    assert "not a names model" in why_not_replace(notes, 1.0, False, "names.txt")
