"""Atomic writes leave either the old file or the new one, never a fragment or a stray temp file."""

import numpy as np
import pytest

from engine.atomic import atomic_path, write_text_atomic


def test_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("old")
    write_text_atomic(target, "new contents")
    assert target.read_text() == "new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"previous model")
    with pytest.raises(RuntimeError):
        with atomic_path(target, suffix=".npz") as tmp:
            np.savez(tmp, w=np.ones(3))
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_numpy_savez_keeps_the_temp_name_when_it_ends_in_npz(tmp_path):
    target = tmp_path / "sub" / "model.npz"
    with atomic_path(target, suffix=".npz") as tmp:
        np.savez(tmp, w=np.arange(4))
    with np.load(target, allow_pickle=False) as data:
        assert data["w"].tolist() == [0, 1, 2, 3]
