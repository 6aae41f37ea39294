"""A small synthesizer: notes in seconds to a stereo buffer and a WAV file.

Sampled instruments through FluidSynth (:mod:`engine.jazz.render`) are the
studio's sound. This synthesizer remains for the one case FluidSynth cannot
serve: a computer without libfluidsynth or a General MIDI SoundFont (a plain
``pip install`` of the studio, where system libraries cannot come along), so a
preview still sounds rather than failing. Each
note is rendered additively -- a handful of sine partials, each with its own
decay -- under an ADSR envelope, then panned into a stereo mix:

    y(t) = env(t) * sum_k a_k * exp(-t / tau_k) * sin(2 pi k f t)

The timbre (partials, decays, envelope) is chosen from the note's General MIDI
program family, so a guitar melody sounds plucked, an electric piano rings like
a struck tine (two-operator FM), a vibraphone shimmers. Every envelope starts
with a few-millisecond ramp and ends exactly at zero, so no note clicks.

Buffers are ``float32`` arrays of shape ``(n_samples, 2)`` (stereo) or
``(n_samples,)`` (mono) at :data:`SAMPLE_RATE`, values in [-1, 1].
"""

from __future__ import annotations

import os
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from engine.atomic import atomic_path
from engine.jobs import Job, Progress, Throttle, run_job

__all__ = [
    "SAMPLE_RATE",
    "TAIL_SECONDS",
    "Note",
    "Timbre",
    "timbre_for_program",
    "midi_to_hz",
    "adsr",
    "render_note",
    "render_steps",
    "render",
    "to_int16",
    "write_wav",
    "read_wav",
    "find_fluidsynth",
    "render_to_wav",
]

SAMPLE_RATE = 44_100
TAIL_SECONDS = 1.0  # silence after the last beat so the final notes can ring out
PEAK = 0.89  # normalise to about -1 dBFS


class Note(NamedTuple):
    """One note to sound.

    pitch     -- MIDI note number (60 = middle C)
    start     -- onset in seconds from the start of the piece
    duration  -- seconds from note-on to note-off (the release rings after it)
    velocity  -- 1..127
    program   -- General MIDI program 0..127 (chooses the timbre)
    pan       -- -1 (left) .. +1 (right)
    channel   -- MIDI channel 0..15 (used when sending to a MIDI port)
    """

    pitch: int
    start: float
    duration: float
    velocity: int = 90
    program: int = 0
    pan: float = 0.0
    channel: int = 0


def midi_to_hz(pitch: float | np.ndarray) -> float | np.ndarray:
    """Equal temperament, A4 (MIDI 69) = 440 Hz."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


# --------------------------------------------------------------------------
# Timbres
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Timbre:
    """How one instrument family sounds.

    partials  -- frequency ratios to the fundamental (integers for harmonic sounds)
    amps      -- amplitude of each partial, same length as ``partials``
    decays    -- decay time constant of each partial in seconds at 220 Hz
                 (shortened for higher notes: real strings and tines die faster up high)
    attack, decay, sustain, release -- the ADSR envelope (seconds, level, seconds)
    fm_index  -- > 0 makes the fundamental a two-operator FM voice (electric piano tine)
    fm_decay  -- how fast the FM brightness fades, seconds
    tremolo   -- (rate Hz, depth) amplitude wobble, e.g. a vibraphone's motor
    vibrato   -- (rate Hz, depth in semitones)
    """

    name: str
    partials: tuple[float, ...]
    amps: tuple[float, ...]
    decays: tuple[float, ...]
    attack: float = 0.004
    decay: float = 0.4
    sustain: float = 0.0
    release: float = 0.12
    fm_index: float = 0.0
    fm_decay: float = 0.3
    tremolo: tuple[float, float] = (0.0, 0.0)
    vibrato: tuple[float, float] = (0.0, 0.0)
    gain: float = 1.0


def _pluck_amps(n: int, position: float) -> tuple[float, ...]:
    """Partials of a string plucked at ``position`` of its length: sin(pi k p) / k."""
    k = np.arange(1, n + 1)
    return tuple(float(a) for a in np.abs(np.sin(np.pi * k * position)) / k)


TIMBRES: dict[str, Timbre] = {
    # Nylon/jazz guitar: plucked near the bridge, upper partials die first.
    "guitar": Timbre(
        "guitar",
        partials=tuple(float(k) for k in range(1, 9)),
        amps=_pluck_amps(8, 0.18),
        decays=(1.1, 0.7, 0.45, 0.33, 0.24, 0.18, 0.14, 0.1),
        attack=0.003,
        decay=2.5,
        sustain=0.0,
        release=0.09,
        gain=1.3,
    ),
    # Electric piano: an FM tine whose brightness fades, over a soft second partial.
    "epiano": Timbre(
        "epiano",
        partials=(1.0, 2.0),
        amps=(1.0, 0.12),
        decays=(2.8, 1.2),
        attack=0.004,
        decay=1.8,
        sustain=0.25,
        release=0.22,
        fm_index=1.6,
        fm_decay=0.25,
        tremolo=(4.5, 0.06),
        gain=0.9,
    ),
    # Acoustic-ish piano: bright attack, several decaying partials.
    "piano": Timbre(
        "piano",
        partials=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0),
        amps=(1.0, 0.45, 0.25, 0.12, 0.08, 0.04),
        decays=(3.0, 1.6, 1.0, 0.7, 0.5, 0.35),
        attack=0.003,
        decay=2.0,
        sustain=0.15,
        release=0.18,
        gain=0.9,
    ),
    # Vibraphone: the bar's partials 1 : 4 : 10, motor tremolo.
    "vibes": Timbre(
        "vibes",
        partials=(1.0, 4.0, 10.0),
        amps=(1.0, 0.18, 0.05),
        decays=(3.5, 0.5, 0.15),
        attack=0.002,
        decay=3.0,
        sustain=0.0,
        release=0.3,
        tremolo=(5.5, 0.25),
        gain=1.0,
    ),
    # Organ: sustained drawbars.
    "organ": Timbre(
        "organ",
        partials=(0.5, 1.0, 2.0, 3.0, 4.0),
        amps=(0.5, 1.0, 0.6, 0.3, 0.2),
        decays=(1e9,) * 5,
        attack=0.012,
        decay=0.1,
        sustain=1.0,
        release=0.08,
        vibrato=(6.0, 0.04),
        gain=0.55,
    ),
    # Bass: round plucked low end.
    "bass": Timbre(
        "bass",
        partials=(1.0, 2.0, 3.0),
        amps=(1.0, 0.35, 0.12),
        decays=(2.0, 0.8, 0.4),
        attack=0.005,
        decay=2.0,
        sustain=0.0,
        release=0.08,
        gain=1.4,
    ),
    # Strings, brass, reeds, leads: a soft sustained voice with a little vibrato.
    "sustained": Timbre(
        "sustained",
        partials=tuple(float(k) for k in range(1, 7)),
        amps=(1.0, 0.5, 0.33, 0.2, 0.12, 0.07),
        decays=(1e9,) * 6,
        attack=0.035,
        decay=0.3,
        sustain=0.8,
        release=0.15,
        vibrato=(5.0, 0.08),
        gain=0.6,
    ),
}


def timbre_for_program(program: int) -> Timbre:
    """The timbre used for a General MIDI program number (0..127)."""
    family = int(program) // 8
    if int(program) in (4, 5):  # Rhodes, chorused e-piano
        return TIMBRES["epiano"]
    return TIMBRES[
        {
            0: "piano",
            1: "vibes",  # chromatic percussion: celesta, glockenspiel, vibes, marimba
            2: "organ",
            3: "guitar",
            4: "bass",
        }.get(family, "sustained")
    ]


# --------------------------------------------------------------------------
# One note
# --------------------------------------------------------------------------


def adsr(n_on: int, n_total: int, timbre: Timbre, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Envelope of a note held for ``n_on`` samples and heard for ``n_total``.

    Attack: raised-cosine ramp 0 -> 1 (no click). Decay: exponential towards the
    sustain level. Release (after note-off): raised-cosine ramp from wherever the
    envelope is down to exactly 0 at the last sample. Shape ``(n_total,)``, float32.
    """
    t = np.arange(n_total, dtype=np.float32) / np.float32(sample_rate)
    n_attack = max(1, min(int(timbre.attack * sample_rate), max(1, n_on // 2)))
    attack_s = n_attack / sample_rate
    held = timbre.sustain + (1.0 - timbre.sustain) * np.exp(-(t - attack_s) / timbre.decay)
    env = np.where(t < attack_s, 0.5 - 0.5 * np.cos(np.pi * t / attack_s), held).astype(np.float32)
    n_release = n_total - n_on
    if n_release > 0:
        level = env[min(n_on, n_total - 1)]
        ramp = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, n_release + 1, dtype=np.float32) / n_release)
        env[n_on:] = level * ramp
    return env


def render_note(
    pitch: int, n_on: int, velocity: int, timbre: Timbre, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Mono waveform of one note: ``n_on`` samples held plus the timbre's release.

    Shape ``(n_on + n_release,)``, float32, peak about ``velocity / 127``.
    """
    n_release = max(1, int(timbre.release * sample_rate))
    n = n_on + n_release
    f = float(midi_to_hz(pitch))
    t = np.arange(n, dtype=np.float64) / sample_rate

    # Phase of the fundamental, reduced mod 2 pi in float64 so float32 is exact enough after.
    if timbre.vibrato[1] > 0:
        rate, depth = timbre.vibrato
        # vibrato fades in over the first 0.3 s, as a player does
        wobble = depth * np.minimum(t / 0.3, 1.0) * np.sin(2 * np.pi * rate * t)
        inst_f = f * 2.0 ** (wobble / 12.0)
        theta = 2 * np.pi * np.cumsum(inst_f) / sample_rate
    else:
        theta = 2 * np.pi * f * t
    theta = np.mod(theta, 2 * np.pi).astype(np.float32)

    # Higher notes decay faster: scale every time constant by sqrt(220 / f).
    pitch_scale = float(np.sqrt(220.0 / f))
    partials = np.asarray(timbre.partials, dtype=np.float32)
    amps = np.asarray(timbre.amps, dtype=np.float32)
    decays = np.asarray(timbre.decays, dtype=np.float32) * np.float32(pitch_scale)
    audible = partials * f < 0.45 * sample_rate  # nothing at or above Nyquist (aliasing)
    partials, amps, decays = partials[audible], amps[audible], decays[audible]

    t32 = t.astype(np.float32)
    if timbre.fm_index > 0:
        # Two-operator FM: the modulator at the fundamental brightens the attack, then fades.
        index = timbre.fm_index * (0.6 + 0.4 * velocity / 127.0) * np.exp(-t32 / timbre.fm_decay)
        carrier = np.sin(theta + index * np.sin(theta))
        wave_ = amps[0] * np.exp(-t32 / decays[0]) * carrier
        if len(partials) > 1:
            rest = np.sin(partials[1:, None] * theta[None, :])
            wave_ += (amps[1:, None] * np.exp(-t32[None, :] / decays[1:, None]) * rest).sum(axis=0)
    else:
        # (n_partials, n) at once: sin(k theta) is exact since theta was reduced mod 2 pi.
        phases = partials[:, None] * theta[None, :]
        wave_ = (amps[:, None] * np.exp(-t32[None, :] / decays[:, None]) * np.sin(phases)).sum(axis=0)

    if timbre.tremolo[1] > 0:
        rate, depth = timbre.tremolo
        wave_ *= 1.0 - depth * 0.5 * (1.0 - np.cos(2 * np.pi * rate * t32))

    wave_ *= adsr(n_on, n, timbre, sample_rate)
    # Normalise the timbre's own loudness, then apply velocity (a gentle curve, as keyboards do).
    wave_ *= np.float32(timbre.gain / max(1e-6, float(amps.sum())) * (velocity / 127.0) ** 1.3)
    return wave_.astype(np.float32, copy=False)


# --------------------------------------------------------------------------
# A whole piece
# --------------------------------------------------------------------------


def _pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan: equal loudness wherever the note sits."""
    angle = (np.clip(pan, -1.0, 1.0) + 1.0) * np.pi / 4.0
    return float(np.cos(angle)), float(np.sin(angle))


def _room(mix: np.ndarray, sample_rate: int, amount: float) -> np.ndarray:
    """A few early reflections, different on each side: a small room, not a dry box."""
    out = mix.copy()
    taps = ((0.019, 0.029, 0.55), (0.037, 0.043, 0.4), (0.061, 0.053, 0.3), (0.089, 0.097, 0.2))
    for left_s, right_s, gain in taps:
        for ch, delay_s in ((0, left_s), (1, right_s)):
            d = int(delay_s * sample_rate)
            # each side hears the other side's echo: a wider image
            out[d:, ch] += amount * gain * mix[:-d, 1 - ch]
    return out


def _total_samples(notes: Sequence[Note], total_seconds: float | None, tail: float, sample_rate: int) -> int:
    if total_seconds is None:
        total_seconds = max((n.start + n.duration for n in notes), default=0.0)
    return max(1, int(round((float(total_seconds) + tail) * sample_rate)))


def render_steps(
    notes: Iterable[Note],
    total_seconds: float | None = None,
    *,
    tail: float = TAIL_SECONDS,
    sample_rate: int = SAMPLE_RATE,
    stereo: bool = True,
    room: float = 0.18,
    normalise: bool = True,
) -> Job:
    """Render ``notes`` as a job (yields Progress, returns the buffer).

    The buffer lasts exactly ``total_seconds + tail`` seconds (``total_seconds``
    defaults to the end of the last note): ``round((total_seconds + tail) * sample_rate)``
    samples. A release that would run past the end is cut with a short fade.
    Returns float32 of shape ``(n, 2)`` if ``stereo`` else ``(n,)``.
    """
    notes = [Note(*n) if not isinstance(n, Note) else n for n in notes]
    n_total = _total_samples(notes, total_seconds, tail, sample_rate)
    mix = np.zeros((n_total, 2), dtype=np.float32)
    cache: dict[tuple[str, int, int, int], np.ndarray] = {}  # repeated notes (chords!) are rendered once
    throttle = Throttle(0.05)

    for i, note in enumerate(notes):
        start = int(round(note.start * sample_rate))
        if start >= n_total or note.duration <= 0:
            continue
        timbre = timbre_for_program(note.program)
        n_on = max(1, int(round(note.duration * sample_rate)))
        velocity = max(1, min(127, int(note.velocity)))
        key = (timbre.name, int(note.pitch), n_on, velocity)
        shape = cache.get(key)
        if shape is None:
            shape = cache[key] = render_note(int(note.pitch), n_on, velocity, timbre, sample_rate)
        segment = shape[: n_total - start]
        left, right = _pan_gains(note.pan)
        mix[start : start + len(segment), 0] += left * segment
        mix[start : start + len(segment), 1] += right * segment
        if throttle():
            yield Progress(i + 1, len(notes), f"rendering note {i + 1} of {len(notes)}")

    if room > 0:
        mix = _room(mix, sample_rate, room)
    # The very end fades over 20 ms, so a cut-off release does not click.
    n_fade = min(n_total, int(0.02 * sample_rate))
    mix[n_total - n_fade :] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)[:, None]
    peak = float(np.abs(mix).max())
    if normalise and peak > 0:
        mix *= np.float32(PEAK / peak)
    yield Progress(len(notes), len(notes), "rendered")
    return mix if stereo else mix.mean(axis=1)


def render(notes: Iterable[Note], total_seconds: float | None = None, **kwargs) -> np.ndarray:
    """Render ``notes`` to a float32 buffer at once (see :func:`render_steps`)."""
    return run_job(render_steps(notes, total_seconds, **kwargs))


# --------------------------------------------------------------------------
# WAV files
# --------------------------------------------------------------------------


def to_int16(buffer: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to 16-bit PCM (clipped, rounded)."""
    return np.round(np.clip(buffer, -1.0, 1.0) * 32767.0).astype(np.int16)


def write_wav(path: str | os.PathLike, buffer: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write a mono ``(n,)`` or stereo ``(n, 2)`` buffer as 16-bit PCM WAV, atomically."""
    buffer = np.asarray(buffer)
    channels = 1 if buffer.ndim == 1 else buffer.shape[1]
    pcm = buffer if buffer.dtype == np.int16 else to_int16(buffer)
    path = Path(path)
    with atomic_path(path, suffix=".wav") as tmp:
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(np.ascontiguousarray(pcm).astype("<i2").tobytes())
    return path


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as float32 ``(n, channels)`` in [-1, 1], and its sample rate."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV files are supported")
        channels, rate = src.getnchannels(), src.getframerate()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
    return (data.reshape(-1, channels).astype(np.float32) / 32767.0), rate


# --------------------------------------------------------------------------
# Sampled sound, when the computer has it
# --------------------------------------------------------------------------


def find_fluidsynth() -> tuple[str, str] | None:
    """``(libfluidsynth, General MIDI SoundFont)`` when sampled sound is available, else None.

    See :mod:`engine.jazz.render`, which renders through the library; kept here for the callers
    that ask this module what will sound.
    """
    from engine.jazz.render import sampled_sound

    found = sampled_sound()
    return (found[0], str(found[1])) if found else None


def render_to_wav(
    notes: Iterable[Note],
    path: str | os.PathLike,
    total_seconds: float | None = None,
    *,
    use_fluidsynth: bool = True,
    tail: float = TAIL_SECONDS,
) -> Job:
    """Job: render ``notes`` and write a stereo 44.1 kHz WAV to ``path`` atomically.

    Sampled instruments through FluidSynth when the library and a SoundFont are here
    (:func:`engine.jazz.render.render_to_wav`), these voices otherwise.
    Returns ``(path, engine name, seconds of audio)``.
    """
    from engine.jazz.render import render_to_wav as render_sampled

    return (yield from render_sampled(notes, path, total_seconds, use_fluidsynth=use_fluidsynth, tail=tail))
