"""The course's file (../shared/data/original_metheny.mid): parse, train briefly, improvise, export."""

from __future__ import annotations

import json

import pytest

from cli import main
from engine.jazz import (
    TrainSettings,
    build_corpus,
    check_midi,
    export_midi,
    generate,
    load_model,
    read_song,
    save_model,
    train_job,
)
from engine.jobs import run_job

pytestmark = [pytest.mark.shared_data, pytest.mark.tf]


def test_metheny_train_generate_export(shared_data, tmp_path):
    corpus = build_corpus(read_song(shared_data / "original_metheny.mid"))
    settings = TrainSettings(epochs=3, n_a=32, max_windows=128, seed=0)
    model = run_job(train_job(corpus, settings))
    assert model.history["loss"][-1] < model.history["loss"][0]
    folder = save_model(model, tmp_path / "metheny")
    loaded = load_model(folder)
    improvs = generate(loaded, measures=16, temperature=0.8, seed=1, variations=2)
    for improv in improvs:
        assert improv.key == "G" and improv.tempo == pytest.approx(112.0, abs=0.01)
        report = check_midi(export_midi(improv, tmp_path / f"solo{improv.variation}.mid"))
        assert report.ok and report.key == "G" and report.time_signature == (4, 4)


def test_metheny_from_the_command_line(shared_data, tmp_path, capsys):
    midi = str(shared_data / "original_metheny.mid")
    assert main(["jazz", "parts", "--midi", midi]) == 0
    table = capsys.readouterr().out
    assert [line for line in table.splitlines() if "<- melody" in line][0].split()[1] == "Guitar"
    status = main(["jazz", "train", "--midi", midi, "--epochs", "1", "--n-a", "16", "--stride", "8",
                   "--out", str(tmp_path / "m"), "--json"])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0 and json.loads(out.splitlines()[-1])["melody_part"] == 5
    assert main(["jazz", "generate", "--model", str(tmp_path / "m"), "--out", str(tmp_path / "x.mid"),
                 "--measures", "8", "--seed", "0"]) == 0  # fmt: skip
    assert check_midi(tmp_path / "x.mid").ok
