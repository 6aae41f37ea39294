"""``python main.py gradcheck``: the table, JSON, exit statuses and error messages."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli import main
from engine import rnn

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--n-x", "2", "--n-a", "3", "--m", "2", "--t-x", "4"]


def test_prints_a_table_and_succeeds(capsys):
    assert main(["gradcheck", "--cell", "rnn", "--no-tf", *SMALL]) == 0
    out = capsys.readouterr().out
    for name in ("dWax", "dWaa", "dba", "dWya", "dby", "dx", "da0"):
        assert f"rnn   {name}" in out
    assert "good" in out and "TensorFlow cross-check skipped" in out
    assert "all gradients agree" in out


def test_json_output(capsys):
    assert main(["gradcheck", "--cell", "lstm", "--no-tf", "--json", "--loss", "last", *SMALL]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True and document["config"]["loss"] == "last"
    assert [row["name"] for row in document["rows"]][:2] == ["dWf", "dbf"]
    assert len(document["rows"]) == 12
    assert all(row["verdict_numeric"] == "good" and row["rel_err_tf"] is None for row in document["rows"])
    assert len(document["gradient_flow_last_step_loss"]["lstm"]) == 4
    assert document["rows"][0]["shape"] == [3, 5]


@pytest.mark.parametrize(
    "arguments, message",
    [(["--m", "0"], "m must be a whole number from 1 to 32"), (["--scale", "-1"], "weight scale")],
)
def test_bad_settings_exit_2_with_one_line(capsys, arguments, message):
    assert main(["gradcheck", "--no-tf", *arguments]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_a_wrong_gradient_exits_1(capsys, monkeypatch):
    correct = rnn.rnn_backward

    def forgets_the_first_step(da, caches):
        gradients = correct(da, caches)
        gradients["dx"][:, :, 0] = 0.0
        return gradients

    monkeypatch.setattr(rnn, "rnn_backward", forgets_the_first_step)
    assert main(["gradcheck", "--cell", "rnn", "--no-tf", *SMALL]) == 1
    out = capsys.readouterr().out
    assert "wrong" in out and "above the threshold" in out and "rnn dx" in out


def test_vanishing_gradients_are_explained(capsys):
    status = main(["gradcheck", "--cell", "rnn", "--no-tf", "--t-x", "30", "--scale", "0.2", "--loss", "last"])
    out = capsys.readouterr().out
    assert status == 1  # the rule is strict: any relative error above 1e-5 fails
    assert "unresolved" in out and "too small for centred differences" in out


@pytest.mark.tf
def test_tensorflow_column(capsys):
    pytest.importorskip("tensorflow")
    assert main(["gradcheck", "--cell", "both", "--json", *SMALL]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tf_status"] == "checked"
    assert len(document["rows"]) == 19
    assert max(row["rel_err_tf"] for row in document["rows"]) < 1e-9
    assert np.isfinite(document["worst_rel_err"])


def test_runs_from_main_py():
    done = subprocess.run(
        [sys.executable, "main.py", "gradcheck", "--cell", "rnn", "--no-tf", *SMALL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "dWaa" in done.stdout


def test_json_is_one_line(capsys):
    assert main(["gradcheck", "--cell", "rnn", "--no-tf", "--json", *SMALL]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out)["ok"] is True


def test_help_lists_the_mistakes(capsys):
    from engine.mistakes import MISTAKES

    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for name in MISTAKES:
        assert name in out.replace("- ", "-")


@pytest.mark.parametrize(
    "mistake, cells", [("output-from-previous-state", {"rnn", "lstm"}),
                       ("cell-gradient-drops-forget-gate", {"lstm"}),
                       ("backward-drops-next-hidden-gradient", {"lstm"})]
)
def test_a_mistake_is_caught_and_exits_1(capsys, mistake, cells):
    assert main(["gradcheck", "--mistake", mistake, *SMALL]) == 1
    out = capsys.readouterr().out
    assert "faulty:" in out and "the check caught the mistake" in out and "wrong" in out
    assert main(["gradcheck", "--mistake", mistake, "--json", *SMALL]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and document["mistake"] == mistake
    assert {row["cell"] for row in document["rows"]} == cells
    assert any(row["verdict_numeric"] == "wrong" for row in document["rows"])


def test_a_mistake_of_the_other_cell_is_refused(capsys):
    assert main(["gradcheck", "--mistake", "cell-gradient-drops-forget-gate", "--cell", "rnn"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "LSTM code only" in err and "\n" not in err
    assert main(["gradcheck", "--mistake", "output-from-previous-state", "--t-x", "99"]) == 2
    assert "T_x must be a whole number" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--json"], []])
def test_a_closed_pipe_ends_quietly(extra):
    """`gradcheck ... | head`: the reader is gone before anything is written; no traceback."""
    process = subprocess.Popen(
        [sys.executable, "main.py", "gradcheck", "--cell", "rnn", "--no-tf", *extra, *SMALL],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `head` exiting early
    _out, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert process.returncode == 0
