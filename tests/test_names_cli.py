"""``python main.py names train|sample|evaluate``: results on stdout, errors as one line and status 2."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli import main
from engine.names.io import load_model

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("\n".join(n.capitalize() for n in NAMES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def model_path(tmp_path, corpus, capsys):
    out = tmp_path / "model"  # .npz is added
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "60", "--hidden", "12", "--out", str(out)]) == 0
    capsys.readouterr()
    return tmp_path / "model.npz"


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


def test_train_prints_progress_on_stderr_and_json_on_stdout(corpus, tmp_path, capsys):
    out = tmp_path / "m.npz"
    code = main(["names", "train", "--corpus", str(corpus), "--steps", "80", "--hidden", "16", "--batch", "4",
                 "--lr", "0.02", "--seed", "3", "--val-split", "0.2", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert {"train_loss", "val_loss", "steps", "seconds"} <= set(result)
    assert result["steps"] == 80 and math.isfinite(result["val_loss"])
    assert "training LSTM" in captured.err and "step" in captured.err
    saved = load_model(out)
    assert saved.hyperparameters["hidden"] == 16 and saved.hyperparameters["seed"] == 3
    assert len(saved.known_names) == 16  # 20 names, 20% held out


def test_train_course_preset_and_time_limit(corpus, capsys):
    code = main(["names", "train", "--corpus", str(corpus), "--preset", "course", "--time-limit", "0.3", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["cell"] == "rnn" and result["hidden"] == 50 and result["reason"] == "time limit"
    assert result["seconds"] < 5


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--corpus", "/no/such/file.txt"], "does not exist"),
        (["--val-split", "1.5"], "validation share"),
        (["--lr", "0"], "learning rate"),
    ],
)
def test_train_refuses_bad_input(corpus, capsys, argv, message):
    argv = ["names", "train", "--corpus", str(corpus), "--steps", "5", *argv]
    assert main(argv) == 2
    assert message in error_line(capsys)


def test_train_refuses_an_output_inside_a_file(corpus, capsys):
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "5", "--out", f"{corpus}/m.npz"]) == 2
    assert "not a folder" in error_line(capsys)  # the one output check of engine.files


def test_sample_marks_new_and_known(model_path, capsys):
    assert main(["names", "sample", "--model", str(model_path), "-n", "6", "--seed", "1", "--prefix", "T"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6
    for line in lines:
        name, mark = line.split()
        assert name.startswith("t")  # the model lower-cases, so the prefix is lower-cased too
        assert mark in ("new", "known")
    assert main(["names", "sample", "--model", str(model_path), "-n", "3", "--seed", "1", "--json"]) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert len(drawn) == 3 and all(set(d) == {"name", "new"} for d in drawn)


def test_sample_refuses_bad_input(model_path, tmp_path, capsys):
    assert main(["names", "sample", "--model", str(tmp_path / "none.npz")]) == 2
    assert "does not exist" in error_line(capsys)
    assert main(["names", "sample", "--model", str(model_path), "--prefix", "#"]) == 2
    assert "never seen" in error_line(capsys)
    assert main(["names", "sample", "--model", str(model_path), "--temperature", "-1"]) == 2
    assert "temperature" in error_line(capsys)


def test_evaluate_matches_a_step_by_step_score(model_path, corpus, tmp_path, capsys):
    held = tmp_path / "held.txt"
    held.write_text("Mango\ntulip\nFox\nquince\nzulu\n")  # no 'z' in the training names: skipped
    assert main(["names", "evaluate", "--model", str(model_path), "--corpus", str(held), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert set(result) >= {"nll_per_char", "names", "chars"}
    assert result["names"] == 4 and result["chars"] == 5 + 5 + 3 + 6 + 4
    assert result["skipped"] == 1 and "skipped" in captured.err

    saved = load_model(model_path)  # independently: one character at a time from a zero state
    model, index = saved.model, saved.vocab.index()
    total = 0.0
    for name in ["mango", "tulip", "fox", "quince"]:
        h = np.zeros((1, model.hidden), model.dtype)
        c = np.zeros((1, model.hidden), model.dtype)
        p, h, c = model.step_probabilities(None, h, c)
        for ch in [*name, "\n"]:
            total -= math.log(p[0, index[ch]])
            if ch != "\n":
                p, h, c = model.step_probabilities(np.array([index[ch]]), h, c)
    assert result["nll_per_char"] == pytest.approx(total / result["chars"], rel=1e-5)


def test_evaluate_refuses_bad_input(model_path, tmp_path, capsys):
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert main(["names", "evaluate", "--model", str(model_path), "--corpus", str(binary)]) == 2
    assert "binary" in error_line(capsys)
    assert main(["names", "evaluate", "--model", str(binary), "--corpus", str(binary)]) == 2
    assert "not a valid .npz" in error_line(capsys)


def test_the_command_runs_from_main_py(tmp_path):
    """The real entry point, as a user types it (bundled corpus when it exists)."""
    from engine.resources import resource_path

    if not resource_path("names", "dinosaurs.txt").exists():
        pytest.skip("bundled corpus not present")
    result = subprocess.run([sys.executable, "main.py", "names", "train", "--steps", "30", "--json"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["steps"] == 30
    assert "dinosaurs.txt" in result.stderr


def test_an_ensemble_trains_samples_and_evaluates_from_one_file(corpus, tmp_path, capsys):
    out = tmp_path / "ens.npz"
    assert main(["names", "train", "--corpus", str(corpus), "--ensemble", "2", "--steps", "40", "--hidden", "8",
                 "--val-split", "0.2", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["members"] == 2 and result["steps"] == 80
    assert "an ensemble of 2 LSTMs" in captured.err
    saved = load_model(out)
    assert saved.metadata["format_version"] == 2 and len(saved.metadata["ensemble"]) == 2
    assert main(["names", "sample", "--model", str(out), "-n", "5", "--seed", "0"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5
    assert main(["names", "evaluate", "--model", str(out), "--corpus", str(corpus), "--json"]) == 0
    assert math.isfinite(json.loads(capsys.readouterr().out)["nll_per_char"])
