"""The ``jazz`` command line: parts, train, generate, and one-line errors with status 2."""

from __future__ import annotations

import json
import subprocess
import sys
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
    assert {"epochs", "loss", "accuracy", "vocab_size", "tokens", "seconds"} <= set(result)
    assert result["epochs"] == 3 and result["vocab_size"] > 10 and result["tokens"] > 200
    assert (model_dir / "model.keras").is_file() and (model_dir / "model.json").is_file()

    out_file = tmp_path / "solo.mid"
    status, out, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out_file), "--measures", "8",
                           "--temperature", "0.9", "--tempo", "150", "--chords", "Dm7 G7 Cmaj7 Cmaj7",
                           "--seed", "3", "--variations", "2", "--json")  # fmt: skip
    assert status == 0, err
    files = [f["file"] for f in json.loads(out)["files"]]
    assert files == [str(tmp_path / "solo-1.mid"), str(tmp_path / "solo-2.mid")]
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
def test_ctrl_c_saves_the_model_of_the_finished_epochs(capsys, tmp_path, monkeypatch, epochs_before_ctrl_c):
    from engine import jobs
    from engine.jazz import load_model
    from engine.jazz import model as jazz_model

    finished = [0]

    def interrupted_run(job, on_progress=None):
        """run_job, with Ctrl-C pressed inside an epoch once the given number of epochs have finished."""
        try:
            for event in job:
                on_progress(event)
                finished[0] += bool(event.metrics)
                if epochs_before_ctrl_c == 0 and event.message.startswith("Training on"):
                    raise KeyboardInterrupt
                if finished[0] >= epochs_before_ctrl_c > 0 and event.message.startswith(f"Epoch {finished[0] + 1}/"):
                    raise KeyboardInterrupt
        finally:
            job.close()
        raise AssertionError("the run ended before Ctrl-C")

    monkeypatch.setattr(jobs, "run_job", interrupted_run)
    monkeypatch.setattr(jazz_model, "Throttle", lambda seconds: lambda: True)  # an event after every batch
    model_dir = tmp_path / "model"
    status, _, err = run(capsys, "train", "--epochs", "300", "--n-a", "8", "--t-x", "12", "--batch-size", "4",
                         "--out", str(model_dir))  # fmt: skip
    assert status == 130
    if epochs_before_ctrl_c == 0:
        assert "before the first epoch ended; nothing saved" in err and not model_dir.exists()
        return
    assert f"interrupted after 2 of 300 epochs; saved the model so far in {model_dir}" in err
    assert load_model(model_dir).epochs_trained == finished[0] == 2


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
