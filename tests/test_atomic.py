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


def test_a_new_file_follows_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        write_text_atomic(fresh, "a")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        os.chmod(kept, 0o640)
        write_text_atomic(kept, "new")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_stale_temporary_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    import os
    import time

    target = tmp_path / "model.npz"
    stale = tmp_path / ".model.npz.part.abc123.npz"
    stale.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    write_text_atomic(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_folder_is_swapped_in_whole_and_a_failed_save_keeps_the_old_one(tmp_path):
    from engine.atomic import atomic_folder

    target = tmp_path / "model"
    with atomic_folder(target) as tmp:
        (tmp / "a").write_text("1")
        (tmp / "b").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "a").write_text("2")
            raise RuntimeError("killed between the two files")
    assert (target / "a").read_text() == "1" and (target / "b").read_text() == "1"
    with atomic_folder(target) as tmp:
        (tmp / "a").write_text("3")
    assert [p.name for p in target.iterdir()] == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
