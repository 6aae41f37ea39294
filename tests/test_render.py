"""Sampled sound through FluidSynth: pitch, drums, exact lengths, the stop protocol, and the fallback."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jazz.export import ExportOptions, arrangement_for
from engine.jazz.harmony import parse_changes
from engine.jazz.leadsheet import Lead
from engine.jazz.midi_read import Note as ScoreNote
from engine.jazz.render import SAMPLE_RATE, render_arrangement, render_steps, render_to_wav, sampled_sound
from engine.jazz.synth import Note, read_wav
from engine.jobs import FINISH, run_job

needs_fluidsynth = pytest.mark.skipif(sampled_sound() is None, reason="libfluidsynth or a GM SoundFont is missing")


def dominant_hz(buffer: np.ndarray) -> float:
    mono = buffer.mean(axis=1) * np.hanning(len(buffer))
    spectrum = np.abs(np.fft.rfft(mono))
    return float(np.fft.rfftfreq(len(mono), 1 / SAMPLE_RATE)[np.argmax(spectrum)])


@needs_fluidsynth
@pytest.mark.parametrize(("pitch", "program"), [(69, 0), (57, 32), (76, 26)])
def test_a_note_sounds_at_its_pitch(pitch, program):
    buffer = run_job(render_steps([Note(pitch, 0.0, 0.8, 100, program)], 0.8, tail=0.2))
    assert buffer.shape == (round(1.0 * SAMPLE_RATE), 2) and buffer.dtype == np.float32
    expected = 440.0 * 2 ** ((pitch - 69) / 12)
    found = dominant_hz(buffer[: int(0.8 * SAMPLE_RATE)])
    ratio = found / expected  # the loudest partial may be an overtone of a plucked string
    assert min(abs(ratio - k) for k in (1, 2, 3)) < 0.03


@needs_fluidsynth
def test_drums_sound_on_channel_ten_and_silence_is_silent():
    ride = run_job(render_steps([Note(51, 0.1, 0.1, 100, 0, 0.0, 9)], 0.5, tail=0.0))
    assert np.abs(ride[int(0.1 * SAMPLE_RATE):]).max() > 0.1
    assert np.abs(ride[: int(0.09 * SAMPLE_RATE)]).max() < 1e-4  # nothing before the hit


@needs_fluidsynth
def test_finish_returns_the_audio_so_far_and_close_writes_nothing(tmp_path):
    notes = [Note(60 + k % 12, 0.25 * k, 0.2, 90, 0) for k in range(400)]
    job = render_steps(notes, 100.0)
    next(job)
    try:
        job.send(FINISH)
        while True:
            job.send(None)
    except StopIteration as stop:
        partial = stop.value
    assert 0 < len(partial) < 100 * SAMPLE_RATE
    job = render_to_wav(notes, tmp_path / "x.wav", 100.0)
    next(job)
    next(job)
    job.close()
    assert not (tmp_path / "x.wav").exists()
    after = run_job(render_steps([Note(69, 0.0, 0.3, 100, 0)], 0.3, tail=0.0))  # the synth is free again
    assert np.abs(after).max() > 0


@needs_fluidsynth
def test_a_band_renders_to_a_wav_of_the_piece_length(tmp_path):
    changes = tuple(tuple(b) for b in parse_changes("| Dm7 G7 | Cmaj7 |")) * 2
    lead = Lead(tuple(ScoreNote(k * 0.5, k * 0.5 + 0.4, 64 + k % 7) for k in range(32)), changes, (4, 4), 120.0)
    arrangement = arrangement_for(lead, ExportOptions(style="swing"))
    path, engine, seconds = run_job(render_arrangement(arrangement, tmp_path / "band.wav"))
    assert engine.startswith("FluidSynth")
    audio, rate = read_wav(path)
    assert rate == SAMPLE_RATE and audio.shape == (round((8.0 + 1.0) * SAMPLE_RATE), 2) and seconds == 9.0
    assert np.abs(audio).max() == pytest.approx(0.89, abs=0.01)


def test_without_fluidsynth_the_built_in_voices_play(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQUENCE_STUDIO_FLUIDSYNTH_LIB", "0")
    assert sampled_sound() is None
    notes = [Note(69, 0.0, 0.5, 100, 0), Note(51, 0.0, 0.1, 100, 0, 0.0, 9)]
    path, engine, seconds = run_job(render_to_wav(notes, tmp_path / "b.wav", 1.0))
    assert engine == "built-in synthesizer" and seconds == pytest.approx(2.0)
    assert abs(dominant_hz(read_wav(path)[0][: SAMPLE_RATE // 2]) - 440.0) < 5


@needs_fluidsynth
def test_a_broken_soundfont_falls_back(tmp_path, monkeypatch):
    from engine.jazz import render

    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"RIFF not a soundfont at all")
    monkeypatch.setenv("SEQUENCE_STUDIO_SOUNDFONT", str(bad))
    monkeypatch.setattr(render, "_SHARED", {})
    _, engine, _ = run_job(render_to_wav([Note(69, 0.0, 0.2, 100, 0)], tmp_path / "c.wav", 0.2))
    assert engine == "built-in synthesizer"


def test_an_hour_of_audio_is_refused_in_one_sentence(tmp_path):
    from engine.jazz import JazzError

    with pytest.raises(JazzError, match="too long to render") as info:
        run_job(render_to_wav([Note(60, 0.0, 1.0)], tmp_path / "long.wav", 3600.0))
    assert "\n" not in str(info.value) and not (tmp_path / "long.wav").exists()


def test_doctor_reports_sampled_sound(monkeypatch):
    from cli import doctor

    if sampled_sound() is not None:
        assert "rendered a piano note" in doctor.check_sound()
    monkeypatch.setenv("SEQUENCE_STUDIO_FLUIDSYNTH_LIB", "0")
    with pytest.raises(RuntimeError, match="apt-get install libfluidsynth3"):
        doctor.check_sound()
    [result] = doctor.run_checks(["sound"])
    assert not result.ok and "built-in synthesizer" in result.detail


@needs_fluidsynth
def test_the_packaged_app_finds_its_own_library_and_soundfont(tmp_path, monkeypatch):
    """The spec's list (packaging/bundle.py) puts them where render.py looks first in a frozen app."""
    import sys
    from pathlib import Path

    from engine.jazz import render

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packaging"))
    try:
        import bundle
    finally:
        sys.path.pop(0)
    binaries, datas = bundle.sampled_sound_files()
    for source, folder in binaries + datas:  # lay the files out as PyInstaller does: <_MEIPASS>/<folder>/<name>
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / Path(source).name).symlink_to(source)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv("SEQUENCE_STUDIO_SOUNDFONT", raising=False)
    monkeypatch.delenv("SEQUENCE_STUDIO_FLUIDSYNTH_LIB", raising=False)
    assert render.find_library() == str(tmp_path / "libfluidsynth.so.3")
    assert render.find_soundfont() == tmp_path / "soundfonts" / "FluidR3_GM.sf2"
