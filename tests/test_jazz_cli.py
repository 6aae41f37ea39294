"""The ``jazz`` command line: parts, train, generate, and one-line errors with status 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest
from jazz_helpers import two_part_file

from cli import main
from engine.jazz import check_midi

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    status = main(["jazz", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_parts_json_of_the_bundled_piece(capsys):
    status, out, _ = run(capsys, "parts", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["melody"] == 0 and data["time_signatures"] == ["4/4"] and data["key"] == "F"
    assert [p["name"] for p in data["parts"]] == ["Melody", "Chords"]
    first = data["parts"][0]
    assert {"index", "name", "program", "channel", "notes", "pitch_range", "polyphony", "drums", "melody"} <= set(first)


def test_parts_table(capsys, tmp_path):
    status, out, _ = run(capsys, "parts", "--midi", str(two_part_file(tmp_path / "t.mid", bars=4, num=6, den=8)))
    assert status == 0
    assert "6/8" in out and "Alto Sax" in out
    assert "<- melody" in out.splitlines()[2]


@pytest.mark.parametrize("name", ["missing.mid", "text.mid"])
def test_bad_file_is_one_error_line(capsys, tmp_path, name):
    (tmp_path / "text.mid").write_text("hello")
    status, out, err = run(capsys, "parts", "--midi", str(tmp_path / name))
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1


def test_train_errors_before_tensorflow(capsys, tmp_path):
    path = two_part_file(tmp_path / "t.mid", bars=4)
    status, _, err = run(capsys, "train", "--midi", str(path), "--melody-part", "5")
    assert status == 2 and "no part 5" in err
    status, _, err = run(capsys, "train", "--midi", str(path))  # 4 bars: too few tokens for T_x = 30
    assert status == 2 and err.startswith("error: ") and "tokens" in err


@pytest.mark.tf
def test_train_then_generate(capsys, tmp_path):
    model_dir = tmp_path / "model"
    status, out, err = run(capsys, "train", "--epochs", "3", "--n-a", "8", "--t-x", "12", "--seed", "2",
                           "--out", str(model_dir), "--json")  # fmt: skip
    assert status == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert {"epochs", "loss", "accuracy", "val_loss", "val_accuracy", "best_epoch", "vocab_size", "tokens"} <= set(result)
    assert result["epochs"] == 3 and result["vocab_size"] > 10 and result["tokens"] > 200
    assert 1 <= result["best_epoch"] <= 3 and result["val_loss"] > 0
    assert (model_dir / "weights.npz").is_file() and (model_dir / "model.json").is_file()
    assert "held out" in err and "swing" in err

    out_file = tmp_path / "solo.mid"
    status, out, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out_file), "--measures", "8",
                           "--temperature", "0.9", "--tempo", "150", "--chords", "Dm7 G7 Cmaj7 Cmaj7",
                           "--seed", "3", "--variations", "2", "--json")  # fmt: skip
    assert status == 0, err
    rows = json.loads(out)["files"]
    files = [f["file"] for f in rows]
    assert files == [str(tmp_path / "solo-1.mid"), str(tmp_path / "solo-2.mid")]
    assert [f["seed"] for f in rows] == [3, 4] and all(0 <= f["originality"] <= 1 for f in rows)
    assert all(f["swing"] >= 1.0 for f in rows)
    for f in files:
        report = check_midi(f)
        assert report.ok and report.tempo_bpm == pytest.approx(150.0, abs=0.01)
        assert [t.name for t in report.tracks[1:]] == ["Melody", "Bass", "Comping", "Drums"]  # --style swing
        assert mido.MidiFile(f).length == pytest.approx(8 * 4 * 60 / 150, abs=1e-3)  # the measures, no more

    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out_file), "--chords", "Dm7 Q7")
    assert status == 2 and "Q7" in err and not out_file.exists()
    status, _, err = run(capsys, "generate", "--model", str(tmp_path), "--out", str(out_file))
    assert status == 2 and "no saved jazz model" in err


@pytest.mark.tf
@pytest.mark.parametrize("epochs_before_ctrl_c", [0, 2])
def test_ctrl_c_finishes_with_the_best_model_and_never_replaces_a_good_one(capsys, tmp_path, monkeypatch,
                                                                           epochs_before_ctrl_c):  # fmt: skip
    """A real SIGINT makes the job finish; the partial model goes beside an existing one."""
    from engine import jobs
    from engine.jazz import load_model

    model_dir = tmp_path / "model"
    status, _, err = run(capsys, "train", "--epochs", "2", "--n-a", "8", "--t-x", "12", "--out", str(model_dir))
    assert status == 0, err
    good = (model_dir / "weights.npz").read_bytes()

    finished = [0]
    real_run_job = jobs.run_job

    def pressed_ctrl_c(job, on_progress=None, should_finish=None):
        def counting(event):
            finished[0] += bool(event.metrics)
            on_progress(event)
            if finished[0] == epochs_before_ctrl_c and not should_finish():
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, caught by the command's Interrupts

        return real_run_job(job, counting, should_finish=should_finish)

    monkeypatch.setattr(jobs, "run_job", pressed_ctrl_c)
    status, _, err = run(capsys, "train", "--epochs", "300", "--n-a", "8", "--t-x", "12", "--out", str(model_dir))
    assert status == 130
    assert (model_dir / "weights.npz").read_bytes() == good  # the good model is untouched
    if epochs_before_ctrl_c == 0:
        assert "interrupted" in err and "nothing saved" in err and not (tmp_path / "model-2").exists()
        return
    assert "interrupted" in err and f"kept the model in {model_dir}" in err and "partial" in err
    kept = load_model(tmp_path / "model-2")
    assert kept.epochs_trained == 2 and kept.stopped == "finished"
    # --force replaces it, and says so
    finished[0] = 0
    status, _, err = run(capsys, "train", "--epochs", "300", "--n-a", "8", "--t-x", "12", "--out", str(model_dir),
                         "--force")  # fmt: skip
    assert status == 130 and "replaced the model" in err and load_model(model_dir).stopped == "finished"


@pytest.mark.tf
def test_divergence_stops_and_saves_nothing_over_a_model(capsys, tmp_path):
    model_dir = tmp_path / "model"
    status, _, err = run(capsys, "train", "--epochs", "2", "--n-a", "8", "--t-x", "12", "--out", str(model_dir))
    assert status == 0, err
    good = (model_dir / "weights.npz").read_bytes()
    status, _, err = run(capsys, "train", "--epochs", "20", "--n-a", "32", "--t-x", "12", "--learning-rate", "9.9",
                         "--out", str(model_dir))  # fmt: skip
    assert status == 2 and "diverged" in err and "smaller learning rate" in err
    assert (model_dir / "weights.npz").read_bytes() == good  # never over the good model
    assert "nothing saved" in err or f"kept the model in {model_dir}" in err


def test_output_is_checked_before_training(capsys, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.txt").write_text("x")
    (tmp_path / "file").write_text("x")
    for out, words in (("/proc/nope/model", "Cannot save"), (str(tmp_path / "file"), "not a folder"),
                       (str(tmp_path / "docs"), "other files")):  # fmt: skip
        began = time.perf_counter()
        status, _, err = run(capsys, "train", "--out", out)
        assert status == 2 and words in err and err.count("\n") == 1, err
        assert time.perf_counter() - began < 5  # refused before TensorFlow loads
    status, _, err = run(capsys, "train", "--n-a", "100000", "--out", str(tmp_path / "m"))
    assert status == 2 and "n_a" in err and err.count("\n") == 1


def test_several_files_and_folders(capsys, tmp_path):
    folder = tmp_path / "solos"
    folder.mkdir()
    for k in range(2):
        two_part_file(folder / f"s{k}.mid", bars=12)
    status, _, err = run(capsys, "train", "--midi", str(folder / "s0.mid"), str(folder / "s1.mid"), "--melody-part", "0",
                         "--out", str(tmp_path / "m"))  # fmt: skip
    assert status == 2 and "one melody part per file" in err
    (tmp_path / "empty").mkdir()
    status, _, err = run(capsys, "train", "--midi", str(tmp_path / "empty"))
    assert status == 2 and "no MIDI files" in err


@pytest.mark.tf
def test_train_on_a_folder_of_files(capsys, tmp_path):
    folder = tmp_path / "solos"
    folder.mkdir()
    for k in range(3):
        two_part_file(folder / f"s{k}.mid", bars=16)
    status, out, err = run(capsys, "train", "--midi", str(folder), "--epochs", "2", "--n-a", "8", "--t-x", "12",
                           "--json")  # fmt: skip
    assert status == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["files"] == 3 and "3 piece(s)" in err


def test_help_imports_neither_tensorflow_nor_qt():
    code = (
        "import sys; from cli import build_parser; p = build_parser();"
        "print('tensorflow' in sys.modules, 'PySide6' in sys.modules, 'music21' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False", "False"]
    help_text = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "jazz", "train", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert help_text.returncode == 0 and "--melody-part" in help_text.stdout
