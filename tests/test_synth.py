"""The numpy synthesizer (the fallback without FluidSynth): lengths, pitch, envelopes without clicks, WAV files."""

from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from engine.jazz import synth
from engine.jazz.synth import (
    SAMPLE_RATE,
    TAIL_SECONDS,
    Note,
    adsr,
    midi_to_hz,
    read_wav,
    render,
    render_to_wav,
    timbre_for_program,
    to_int16,
    write_wav,
)
from engine.jobs import run_job


@pytest.fixture(autouse=True)
def _no_system_fluidsynth(monkeypatch):
    """Tests of the numpy path must not depend on what the machine has installed."""
    monkeypatch.setenv("SEQUENCE_STUDIO_FLUIDSYNTH_LIB", "0")


def test_equal_temperament():
    assert midi_to_hz(69) == pytest.approx(440.0)
    assert midi_to_hz(60) == pytest.approx(261.6256, abs=1e-4)
    assert midi_to_hz(81) == pytest.approx(880.0)


@pytest.mark.parametrize(
    "program, name",
    [(0, "piano"), (4, "epiano"), (5, "epiano"), (11, "vibes"), (17, "organ"), (26, "guitar"),
     (33, "bass"), (48, "sustained"), (65, "sustained"), (127, "sustained")],
)
def test_timbre_follows_general_midi_family(program, name):
    assert timbre_for_program(program).name == name


@pytest.mark.parametrize("stereo", [True, False])
def test_buffer_length_is_piece_plus_tail(stereo):
    notes = [Note(60, 0.0, 0.5), Note(64, 0.5, 0.5, program=26)]
    buf = render(notes, 3.0, stereo=stereo)
    assert buf.dtype == np.float32
    assert buf.shape[0] == round((3.0 + TAIL_SECONDS) * SAMPLE_RATE)
    assert buf.ndim == (2 if stereo else 1)
    # Without an explicit length the piece ends with its last note.
    assert render(notes, tail=0.25).shape[0] == round((1.0 + 0.25) * SAMPLE_RATE)


def test_no_notes_is_silence():
    buf = render([], 2.0)
    assert buf.shape == (round(3.0 * SAMPLE_RATE), 2)
    assert np.all(buf == 0) and np.all(np.isfinite(buf))


@pytest.mark.parametrize("program", [0, 4, 11, 17, 26, 33, 65])
def test_pitch_of_the_note_is_its_strongest_frequency(program):
    """FFT of a held A3 (220 Hz): the loudest component is 220 Hz for every timbre."""
    buf = render([Note(57, 0.0, 1.0, 100, program)], 1.0, tail=0.0, stereo=False, room=0)
    spectrum = np.abs(np.fft.rfft(buf * np.hanning(len(buf)), n=8 * len(buf)))
    freqs = np.fft.rfftfreq(8 * len(buf), 1 / SAMPLE_RATE)
    peak = freqs[np.argmax(spectrum)]
    if program == 17:  # the organ's 16' drawbar sits an octave below the 8' one; 8' is the loudest
        assert peak == pytest.approx(220.0, rel=0.01) or peak == pytest.approx(110.0, rel=0.01)
    else:
        assert peak == pytest.approx(220.0, rel=0.005)


def test_envelope_starts_and_ends_at_zero_without_jumps():
    for program in (0, 4, 11, 17, 26, 33, 65):
        timbre = timbre_for_program(program)
        n_on = int(0.3 * SAMPLE_RATE)
        n_total = n_on + int(timbre.release * SAMPLE_RATE)
        env = adsr(n_on, n_total, timbre)
        assert env[0] == pytest.approx(0.0, abs=1e-6)
        assert env[-1] == pytest.approx(0.0, abs=1e-6)
        assert env.min() >= 0 and env.max() <= 1.0 + 1e-6
        # steepest step: the attack ramp, pi / (2 * attack samples) at most -- milliseconds, never one sample
        n_attack = int(timbre.attack * SAMPLE_RATE)
        assert np.abs(np.diff(env)).max() <= np.pi / (2 * n_attack) + 1e-6


def test_notes_do_not_click_at_start_or_end():
    """Silence before the onset, a smooth start, and silence once release and room have died away."""
    start, dur = 0.5, 0.25
    buf = render([Note(60, start, dur, 110, 0)], 1.5, stereo=False, tail=0.0)
    i0 = round(start * SAMPLE_RATE)
    assert np.all(buf[:i0] == 0)
    assert np.abs(buf[i0 : i0 + 5]).max() < 0.01  # raised-cosine attack, not a step
    release = timbre_for_program(0).release
    quiet_from = round((start + dur + release + 0.1) * SAMPLE_RATE)  # + longest room reflection
    assert np.abs(buf[quiet_from:]).max() < 1e-4
    # The buffer's own end is faded too, even if a note is cut off by it.
    cut = render([Note(60, 0.0, 5.0, 110, 65)], 1.0, tail=0.0, stereo=False)
    assert abs(cut[-1]) < 1e-3


def test_normalised_peak_and_pan_and_velocity():
    buf = render([Note(60, 0, 0.5, 100), Note(67, 0.2, 0.5, 60)], 1.0)
    assert np.abs(buf).max() == pytest.approx(synth.PEAK, abs=1e-4)
    left = render([Note(60, 0, 0.5, 100, pan=-1.0)], 1.0, room=0)
    assert np.abs(left[:, 1]).max() < 1e-4 < np.abs(left[:, 0]).max()
    soft = render([Note(60, 0, 0.5, 40)], 1.0, normalise=False, stereo=False)
    loud = render([Note(60, 0, 0.5, 120)], 1.0, normalise=False, stereo=False)
    assert np.sqrt(np.mean(loud**2)) > 2 * np.sqrt(np.mean(soft**2))


def test_wav_round_trip(tmp_path):
    buf = render([Note(60, 0, 0.3), Note(72, 0.1, 0.3, program=26)], 0.5)
    path = write_wav(tmp_path / "take.wav", buf)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, SAMPLE_RATE)
        assert w.getnframes() == len(buf)
    back, rate = read_wav(path)
    assert rate == SAMPLE_RATE
    np.testing.assert_array_equal(to_int16(back), to_int16(buf))
    mono = write_wav(tmp_path / "mono.wav", buf.mean(axis=1))
    assert read_wav(mono)[0].shape == (len(buf), 1)


def test_wav_write_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "keep.wav"
    target.write_bytes(b"old take")

    def broken(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(wave.Wave_write, "writeframes", broken)
    with pytest.raises(OSError):
        write_wav(target, np.zeros((100, 2), np.float32))
    assert target.read_bytes() == b"old take"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]


def test_render_to_wav_job(tmp_path):
    notes = [Note(60 + i % 12, 0.25 * i, 0.2, 90, 26) for i in range(16)]
    events = []
    path, engine, seconds = run_job(render_to_wav(notes, tmp_path / "p.wav", 4.0), events.append)
    assert engine == "built-in synthesizer"
    assert seconds == pytest.approx(4.0 + TAIL_SECONDS, abs=1 / SAMPLE_RATE)
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == round(5.0 * SAMPLE_RATE)
    assert events and events[-1].message == "rendered"


def test_thirty_two_bars_render_fast():
    rng = np.random.default_rng(1)
    spb = 0.5  # 120 BPM
    notes = [Note(p, 4 * spb * bar, 4 * spb, 70, 4, -0.3, 1) for bar in range(32) for p in (48, 52, 55, 59)]
    notes += [Note(int(rng.integers(62, 80)), 0.5 * spb * i, 0.45 * spb, 95, 26, 0.3) for i in range(256)]
    t0 = time.perf_counter()
    buf = render(notes, 32 * 4 * spb)
    elapsed = time.perf_counter() - t0
    assert np.all(np.isfinite(buf))
    assert elapsed < 3.0  # about 0.3 s on a quiet machine; generous for a shared one
