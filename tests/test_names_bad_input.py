"""Names: every bad input a one-line message, every save all-or-nothing, every request bounded.

One test per case of the reliability report (issue 14) and the new-user report
(issue 13) that concerns the names commands; small generated files only.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cli import main
from engine.jobs import FINISH
from engine.names import sample as sampling
from engine.names.corpus import CorpusError, Vocabulary, load_corpus
from engine.names.io import ModelFileError, load_model, save_model
from engine.names.model import CharModel
from engine.names.sample import MAX_COUNT, SamplingError, iter_names, sample_names
from engine.names.train import TrainingDiverged, preset_config, train_job

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]
VOCAB = Vocabulary(("\n", *"abcd"))


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def model_file(tmp_path, corpus, capsys):
    out = tmp_path / "model.npz"
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "60", "--hidden", "12", "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ") and "Traceback" not in err[0]
    return err[0]


def final_error_line(capsys) -> str:
    """After progress lines: the run ends with exactly one error line and no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:]
    return lines[-1]


def memoryless(by) -> CharModel:
    """The same next-symbol distribution softmax(by) at every step."""
    model = CharModel("lstm", VOCAB.size, 4, np.float64)
    model.flat[:] = 0
    model.params["by"][...] = by
    return model


# -- 14.2 / 14.14: never replace a model with a diverged, partial or worse one ---------------
def test_a_diverged_run_says_so_and_leaves_the_existing_model(model_file, corpus, capsys):
    before = model_file.read_bytes()
    start = time.perf_counter()
    code = main(["names", "train", "--corpus", str(corpus), "--preset", "course", "--lr", "10", "--hidden", "50",
                 "--steps", "20000", "--out", str(model_file)])
    line = final_error_line(capsys)
    assert code == 2 and "diverged" in line and "left as it was" in line
    assert model_file.read_bytes() == before
    assert time.perf_counter() - start < 30  # stopped at the divergence, not after 20,000 steps


def test_divergence_is_detected_in_the_engine():
    job = train_job(NAMES[:16], NAMES[16:], preset_config("course", lr=10, steps=20_000, sample_every=0))
    with pytest.raises(TrainingDiverged, match="diverged by step"):
        for _ in job:
            pass


def test_a_worse_model_of_the_same_names_is_saved_beside(model_file, corpus, capsys):
    assert load_model(model_file).metadata["val_loss"] is not None
    before = model_file.read_bytes()
    code = main(["names", "train", "--corpus", str(corpus), "--steps", "1", "--hidden", "12", "--out", str(model_file)])
    err = capsys.readouterr().err
    assert code == 0
    assert model_file.read_bytes() == before
    beside = model_file.with_name("model-1.npz")
    assert beside.exists() and f"saved this one beside it as {beside}" in err
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "1", "--hidden", "12", "--out",
                 str(model_file), "--force"]) == 0
    assert model_file.read_bytes() != before  # --force replaces it


def test_ctrl_c_stops_training_in_one_line_and_keeps_the_old_model(model_file, corpus, tmp_path):
    """14.13: a real SIGINT to the real command: no traceback, the model so far saved beside the old one."""
    before = model_file.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "main.py", "names", "train", "--corpus", str(corpus), "--steps", "1000000", "--hidden", "8",
         "--out", str(model_file), "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    for line in proc.stderr:  # wait until training has started
        if line.strip().startswith("step"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "stopped by Ctrl-C" in err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["reason"] == "stopped" and result["model"] == str(model_file.with_name("model-1.npz"))
    assert model_file.read_bytes() == before
    assert load_model(result["model"]).metadata["reason"] == "stopped"


def test_finish_returns_the_model_so_far_and_close_cancels():
    job = train_job(NAMES[:16], NAMES[16:], preset_config("fast", hidden=8, steps=10**6, eval_every=5))
    for _ in range(5):
        next(job)
    with pytest.raises(StopIteration) as stop:
        job.send(FINISH)
    result = stop.value.value
    assert result.reason == "stopped" and result.val_loss is not None and 0 < result.kept_step <= result.steps
    job = train_job(NAMES[:16], NAMES[16:], preset_config("fast", hidden=8, steps=10**6))
    next(job)
    job.close()  # GeneratorExit at the yield: no error, nothing returned
    with pytest.raises(StopIteration):
        next(job)


# -- 14.3 / 14.4: the output is checked as given, before training ----------------------------------
@pytest.mark.parametrize(
    "out, message",
    [("/proc/x.npz", "Cannot save"), ("FOLDER", "is a folder"), ("/dev/full", "is a device")],
)
def test_an_unusable_out_is_refused_before_training(corpus, tmp_path, capsys, out, message):
    if out == "FOLDER":
        out = str(tmp_path / "existing")
        os.mkdir(out)
    if not os.path.exists(out.rsplit("/", 1)[0] or "/"):
        pytest.skip(f"{out} needs its folder")
    start = time.perf_counter()
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "100000", "--out", out]) == 2
    assert message in one_error_line(capsys)
    assert time.perf_counter() - start < 10  # refused before 100,000 steps of training
    assert not Path(out + ".npz").exists()


# -- 14.6 / 14.12: bounded sampling -----------------------------------------------------------------
def test_too_many_names_or_too_long_a_name_is_refused(model_file, capsys):
    assert main(["names", "sample", "--model", str(model_file), "-n", "10000000"]) == 2
    assert f"at most {MAX_COUNT:,}" in one_error_line(capsys)
    assert main(["names", "sample", "--model", str(model_file), "--max-length", "100000000"]) == 2
    assert "maximum length" in one_error_line(capsys)


def test_sampling_streams_in_chunks():
    calls = []
    real = sampling._sample_batch

    def counting(*args):
        calls.append(args[2])
        return real(*args)

    sampling._sample_batch = counting
    try:
        names = iter_names(memoryless(np.zeros(5)), VOCAB, 50_000, seed=0, unique=False)
        first = next(names)
        assert isinstance(first.name, str) and calls == [sampling.CHUNK]  # one chunk drawn, not 50,000 names
    finally:
        sampling._sample_batch = real


def test_a_repeating_model_stops_early_and_the_command_says_how_many(tmp_path, capsys):
    model = memoryless(np.array([5.0, 4.9, -20.0, -20.0, -20.0]))  # cold: "a", rarely "aa"
    assert len(sample_names(model, VOCAB, 1000, seed=0, unique=True, temperature=0.01)) < 5
    path = save_model(tmp_path / "rep.npz", model, VOCAB)
    start = time.perf_counter()
    assert main(["names", "sample", "--model", str(path), "-n", "1000", "--temperature", "0.01",
                 "--min-length", "1"]) == 0
    captured = capsys.readouterr()
    came = captured.out.strip().splitlines()
    assert 1 <= len(came) < 5 and len(set(came)) == len(came)
    assert f"{len(came):,} of the 1,000 names asked for came back" in captured.err
    assert time.perf_counter() - start < 10


# -- 14.11: a model file that declares more than it should -------------------------------------------
def npz_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(f"{name}.npy", data)
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


@pytest.fixture
def good_entries(tmp_path):
    model = CharModel("lstm", VOCAB.size, 6)
    model.init_default(np.random.default_rng(0))
    path = save_model(tmp_path / "good.npz", model, VOCAB)
    with zipfile.ZipFile(path) as zf:
        return {info.filename[:-4]: zf.read(info) for info in zf.infolist()}


def test_a_header_declaring_a_terabyte_is_refused_before_reading(good_entries, tmp_path):
    huge = np.lib.format.magic(1, 0) + _header_for((250_000_000_000,)) + b"\0" * 64
    path = tmp_path / "huge.npz"
    path.write_bytes(npz_with({**good_entries, "Wh": huge}))
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match="Wh is float32\\(250000000000,\\)"):
        load_model(path)
    assert time.perf_counter() - start < 2
    path.write_bytes(npz_with({**good_entries, "known_names": np.lib.format.magic(1, 0) +
                               _header_for((10**12,), "|u1") + b"\0" * 64}))
    with pytest.raises(ModelFileError, match="declares"):
        load_model(path)


def _header_for(shape, descr="<f4") -> bytes:
    text = repr({"descr": descr, "fortran_order": False, "shape": shape})
    padding = 64 - (10 + len(text) + 1) % 64
    text = text + " " * padding + "\n"
    return len(text).to_bytes(2, "little") + text.encode("latin1")


def test_a_zip_bomb_is_refused_by_its_declared_size(good_entries, tmp_path):
    bomb = npy(np.zeros(5_000_000, np.float32))  # 20 MB of zeros, about 20 KB deflated
    path = tmp_path / "bomb.npz"
    path.write_bytes(npz_with({**good_entries, "E": bomb}))
    assert path.stat().st_size < 200_000
    with pytest.raises(ModelFileError, match="declares 20,000,128 bytes"):
        load_model(path)
    path.write_bytes(npz_with({**good_entries, "metadata": npy(np.zeros(5_000_000, np.uint8))}))
    with pytest.raises(ModelFileError, match="declares"):
        load_model(path)


def test_a_fifo_or_device_is_not_a_model(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="pipe"):
        load_model(fifo)
    with pytest.raises(ModelFileError, match="device"):
        load_model("/dev/zero")


# -- 14.15: text that is not UTF-8, devices, a prefix over two lines ----------------------------------
def test_utf16_text_is_named_as_such(tmp_path):
    for encoding in ("utf-16", "utf-16-le"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes("\n".join(NAMES).encode(encoding))
        with pytest.raises(CorpusError, match="UTF-16 text: save it as UTF-8"):
            load_corpus(path)


def test_dev_zero_is_a_device_not_an_empty_file():
    with pytest.raises(CorpusError, match="is a device") as info:
        load_corpus("/dev/zero")
    assert "empty" not in str(info.value)


def test_a_prefix_with_a_newline_is_refused(model_file, capsys):
    with pytest.raises(SamplingError, match="one line"):
        sample_names(memoryless(np.zeros(5)), VOCAB, 3, prefix="a\nb")
    assert main(["names", "sample", "--model", str(model_file), "--prefix", "t\nx"]) == 2
    assert "one line" in one_error_line(capsys)


# -- issue 13: one set of defaults, a minimum length, the kept step, evaluate's default corpus -------
def test_sample_has_no_repeats_by_default_and_a_minimum_length_of_three(tmp_path, capsys):
    model = memoryless(np.array([0.5, 1.0, 0.0, -1.0, -1.0]))  # short names, many alike
    path = save_model(tmp_path / "m.npz", model, VOCAB)
    assert main(["names", "sample", "--model", str(path), "-n", "40", "--seed", "0"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.strip().splitlines()]
    assert len(set(names)) == len(names) == 40
    assert min(len(n) for n in names) >= 3
    assert main(["names", "sample", "--model", str(path), "-n", "200", "--seed", "0", "--repeats",
                 "--min-length", "1"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.strip().splitlines()]
    assert len(set(names)) < len(names) and min(len(n) for n in names) == 1


def test_min_length_never_ends_a_name_early():
    model = memoryless(np.array([3.0, 0.0, 0.0, 0.0, 0.0]))  # the end token is by far the likeliest
    names = sample_names(model, VOCAB, 300, seed=1, min_length=4)
    assert min(len(s.name) for s in names) == 4
    names = sample_names(model, VOCAB, 50, seed=1, min_length=4, prefix="ab")
    assert all(len(s.name) >= 4 and s.name.startswith("ab") for s in names)


def test_train_reports_the_kept_step(corpus, tmp_path, capsys):
    out = tmp_path / "k.npz"
    assert main(["names", "train", "--corpus", str(corpus), "--steps", "200", "--hidden", "8", "--out", str(out),
                 "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert 0 < result["kept_step"] <= result["steps"]
    assert f"kept step {result['kept_step']:,}" in captured.err
    assert load_model(out).metadata["best_step"] == result["kept_step"]


def test_evaluate_defaults_to_the_bundled_corpus(model_file, capsys):
    from engine.resources import resource_path

    bundled = resource_path("names", "dinosaurs.txt")
    if not bundled.exists():
        pytest.skip("bundled corpus not present")
    assert main(["names", "evaluate", "--model", str(model_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["corpus"] == str(bundled) and result["names"] > 100


def test_sampling_into_a_closed_pipe_ends_quietly(model_file):
    """`names sample -n 50000 | head -1`: the reader leaves early; no BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "main.py", "names", "sample", "--model", str(model_file), "-n", "50000",
                             "--repeats"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first.strip() and "Traceback" not in err and "BrokenPipe" not in err
