"""A piece whose tempo changes is played and exported at its median tempo over the playing time, and says so."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from jazz_helpers import two_part_file

from engine.jazz.midi_read import read_song
from engine.jazz.tempo_map import describe_tempo, median_tempo, tempo_seconds, tempo_span

# 12 bars at 240 (48 beats, 12 s) then 8 bars at 150 (32 beats, 12.8 s): more of the time is at 150,
# though more of the bars are at 240 -- a median over beats, or the opening tempo, would say 240.
FAST_THEN_SLOW = [(0.0, 240.0), (48.0, 150.0)]


def _sampled_median(tempos, end, step=0.001) -> float:
    """Independent truth: the tempo at every millisecond of playing time, and numpy's median of them."""
    samples = []
    for k, (start, bpm) in enumerate(tempos):
        stop = min(tempos[k + 1][0], end) if k + 1 < len(tempos) else end
        samples += [bpm] * round(max(0.0, stop - start) * 60.0 / bpm / step)
    return float(np.median(samples))


def test_median_is_the_tempo_of_half_the_playing_time():
    rng = np.random.default_rng(4)
    for _ in range(20):
        starts = np.concatenate([[0.0], np.sort(rng.choice(np.arange(1, 200), size=3, replace=False))]).astype(float)
        bpms = rng.choice(np.arange(60, 300), size=4, replace=False).astype(float)
        tempos = list(zip(starts, bpms, strict=True))
        end = 200.0
        assert median_tempo(tempo_seconds(tempos, end)) == pytest.approx(_sampled_median(tempos, end), abs=0.5)


def test_the_map_is_cut_at_the_last_note_and_an_even_split_meets_halfway():
    assert tempo_seconds([(0.0, 120.0), (8.0, 60.0), (20.0, 300.0)], 16.0) == [(120.0, 4.0), (60.0, 8.0)]
    assert median_tempo([(100.0, 10.0), (200.0, 10.0)]) == pytest.approx(150.0)
    assert median_tempo([]) is None and tempo_span([]) is None
    assert describe_tempo([(132.0, 60.0)]) == "132 BPM"
    assert describe_tempo([(240.0, 12.0), (150.0, 12.8)]) == "150–240 BPM, median 150"
    assert describe_tempo([(240.0, 12.0), (150.0, 12.8)], ascii=True) == "150-240 BPM, median 150"


def test_a_file_going_240_then_150_reads_as_median_150(tmp_path):
    song = read_song(two_part_file(tmp_path / "fast_slow.mid", bars=20, tempos=FAST_THEN_SLOW))
    assert [t.bpm for t in song.tempos] == pytest.approx([240.0, 150.0], abs=1e-3)
    assert song.opening_tempo == pytest.approx(240.0, abs=1e-3)
    assert song.tempo == pytest.approx(150.0, abs=1e-3)
    assert song.tempo_text == "150–240 BPM, median 150"
    assert any("median over the playing time (150 BPM; it opens at 240)" in w for w in song.warnings)
    steady = read_song(two_part_file(tmp_path / "steady.mid", bars=4, tempos=[(0.0, 132.0)]))
    assert steady.tempo_text == "132 BPM" and not any("tempo" in w for w in steady.warnings)


def test_the_parts_listing_names_the_span_and_the_median(tmp_path, capsys):
    from cli import main

    path = two_part_file(tmp_path / "fast_slow.mid", bars=20, tempos=FAST_THEN_SLOW)
    assert main(["jazz", "parts", "--midi", str(path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "150-240 BPM, median 150" in first


def test_the_improvisation_is_exported_at_the_median_tempo(tmp_path):
    from engine.jazz import (
        ExportOptions,
        TrainSettings,
        build_corpus,
        export_midi,
        generate,
        load_model,
        save_model,
        train_job,
    )
    from engine.jobs import run_job

    song = read_song(two_part_file(tmp_path / "fast_slow.mid", bars=20, tempos=FAST_THEN_SLOW))
    corpus = build_corpus(song)
    assert corpus.tempo == pytest.approx(150.0, abs=1e-3)
    model = run_job(train_job(corpus, TrainSettings(epochs=1, n_a=8, t_x=8, stride=4, batch_size=64, seed=1)))
    save_model(model, tmp_path / "model")
    model = load_model(tmp_path / "model")  # the tempo is remembered with the model
    assert model.source.tempo == pytest.approx(150.0, abs=1e-3)
    (improv,) = generate(model, measures=4, seed=2)
    out = export_midi(improv, tmp_path / "improv.mid", ExportOptions())
    tempos = [m.tempo for track in mido.MidiFile(out).tracks for m in track if m.type == "set_tempo"]
    assert len(tempos) == 1 and mido.tempo2bpm(tempos[0]) == pytest.approx(150.0, abs=0.01)
