"""Input and output checks: special files are refused by type, never opened; outputs are checked as given."""

import os

import pytest

from engine.files import FileCheckError, check_input_file, check_output_path, read_input_bytes


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    with pytest.raises(FileCheckError, match="pipe"):
        read_input_bytes(fifo, "MIDI file")


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.mkdir(), "folder"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: None, "No such"),
        (lambda p: p.write_bytes(b"x" * 2048), "over"),
    ],
)
def test_bad_inputs_get_one_line(tmp_path, make, words):
    path = tmp_path / "in.bin"
    make(path)
    with pytest.raises(FileCheckError, match=words) as info:
        check_input_file(path, "model file", max_bytes=1024)
    assert "\n" not in str(info.value)


def test_a_device_is_not_a_file():
    with pytest.raises(FileCheckError, match="device"):
        check_input_file("/dev/zero", "names file")


def test_outputs_are_checked_as_given(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileCheckError, match="folder"):
        check_output_path(tmp_path / "folder", "model file")
    with pytest.raises(FileCheckError, match="device"):
        check_output_path("/dev/full", "model file")
    with pytest.raises(FileCheckError):
        check_output_path("/proc/x.npz", "model file")
    assert check_output_path(tmp_path / "new" / "deeper" / "m.npz") == tmp_path / "new" / "deeper" / "m.npz"
    assert check_output_path(tmp_path / "folder", "model", folder=True) == tmp_path / "folder"
