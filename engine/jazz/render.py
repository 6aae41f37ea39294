"""Sampled sound: notes rendered offline through FluidSynth with a General MIDI SoundFont.

libfluidsynth is called through ctypes -- no audio device, no subprocess, no
temporary MIDI file: the synthesizer writes straight into a numpy buffer.
Events are applied at their exact sample frame; between two events the synth
renders the frames in one call. The loaded SoundFont is kept for the next
render (loading FluidR3 takes ~0.1 s with samples loaded on demand; a
compressed .sf3 takes seconds, which is why an .sf2 is preferred).

Where things are looked for, first found wins:

    library    $SEQUENCE_STUDIO_FLUIDSYNTH_LIB, the packaged app's own copy, the system's libfluidsynth
    SoundFont  $SEQUENCE_STUDIO_SOUNDFONT, the packaged app's own copy, FluidR3_GM (Debian's
               fluid-soundfont-gm), MuseScore General, TimGM6mb, any default-GM SoundFont

Without either, rendering falls back to the hand-written synthesizer of
:mod:`engine.jazz.synth` (a pip install on a machine without libfluidsynth).

Buffers are float32 ``(n_samples, 2)`` at :data:`SAMPLE_RATE`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from engine.jazz.gm import DRUM_CHANNEL
from engine.jobs import FINISH, Job, Progress, Throttle

__all__ = [
    "SAMPLE_RATE",
    "TAIL_SECONDS",
    "SOUNDFONT_CANDIDATES",
    "find_library",
    "find_soundfont",
    "sampled_sound",
    "FluidSynth",
    "render_steps",
    "arrangement_notes",
    "render_to_wav",
    "render_arrangement",
]

SAMPLE_RATE = 44_100
TAIL_SECONDS = 1.0  # after the last beat, so the final notes ring out
GAIN = 0.6
PEAK = 0.89  # normalise to about -1 dBFS
FLUSH_SECONDS = 3.0  # longer than the reverb's tail
MAX_SECONDS = 20 * 60  # 20 minutes of stereo float audio is 400 MB: a render is refused beyond it

BUNDLED_SOUNDFONT = ("soundfonts", "FluidR3_GM.sf2")  # inside the packaged app (see packaging/bundle.py)
SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/usr/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
)
LIBRARY_NAMES = ("libfluidsynth.so.3", "libfluidsynth.so.2", "libfluidsynth.3.dylib", "libfluidsynth-3.dll")


def _bundle_dir() -> Path | None:
    """The packaged app's folder of bundled files (PyInstaller), None when running from source."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if base else None


def find_library() -> str | None:
    """A path or name of libfluidsynth that loads here, else None.

    ``SEQUENCE_STUDIO_FLUIDSYNTH_LIB`` names the library; it or ``SEQUENCE_STUDIO_FLUIDSYNTH`` set
    to ``0`` turns sampled sound off (the built-in synthesizer plays).
    """
    explicit = os.environ.get("SEQUENCE_STUDIO_FLUIDSYNTH_LIB")
    if explicit == "0" or os.environ.get("SEQUENCE_STUDIO_FLUIDSYNTH") == "0":
        return None
    candidates = [explicit] if explicit else []
    bundle = _bundle_dir()
    if bundle is not None:
        candidates += [str(p) for name in LIBRARY_NAMES for p in (bundle / name,) if p.exists()]
    found = ctypes.util.find_library("fluidsynth")
    candidates += ([found] if found else []) + list(LIBRARY_NAMES)
    for name in candidates:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return name
    return None


def find_soundfont() -> Path | None:
    """The General MIDI SoundFont to use, else None (``SEQUENCE_STUDIO_SOUNDFONT=0`` = none)."""
    explicit = os.environ.get("SEQUENCE_STUDIO_SOUNDFONT")
    if explicit == "0":
        return None
    candidates = [explicit] if explicit else []
    bundle = _bundle_dir()
    if bundle is not None:
        candidates.append(str(bundle.joinpath(*BUNDLED_SOUNDFONT)))
    candidates += list(SOUNDFONT_CANDIDATES)
    candidates += [str(p) for p in sorted((Path.home() / ".local/share/soundfonts").glob("*.sf[23]"))]
    for path in candidates:
        if path and Path(path).is_file():
            return Path(os.path.abspath(path))
    return None


def sampled_sound() -> tuple[str, Path] | None:
    """(library, SoundFont) when FluidSynth can render here, else None."""
    library = find_library()
    soundfont = find_soundfont() if library else None
    return (library, soundfont) if library and soundfont else None


# --------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------

_P, _I, _D, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_char_p
_SIGNATURES = {  # name: (result, arguments)
    "new_fluid_settings": (_P, []),
    "delete_fluid_settings": (None, [_P]),
    "fluid_settings_setnum": (_I, [_P, _S, _D]),
    "fluid_settings_setint": (_I, [_P, _S, _I]),
    "new_fluid_synth": (_P, [_P]),
    "delete_fluid_synth": (None, [_P]),
    "fluid_synth_sfload": (_I, [_P, _S, _I]),
    "fluid_synth_program_change": (_I, [_P, _I, _I]),
    "fluid_synth_cc": (_I, [_P, _I, _I, _I]),
    "fluid_synth_noteon": (_I, [_P, _I, _I, _I]),
    "fluid_synth_noteoff": (_I, [_P, _I, _I]),
    "fluid_synth_system_reset": (_I, [_P]),
    "fluid_synth_write_float": (_I, [_P, _I, _P, _I, _I, _P, _I, _I]),
    "fluid_version_str": (_S, []),
}
_FAILED = -1


def _load(name: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(name)
    for function, (result, arguments) in _SIGNATURES.items():
        f = getattr(lib, function)
        f.restype, f.argtypes = result, arguments
    return lib


class FluidSynth:
    """One FluidSynth synthesizer with a SoundFont loaded, rendering offline into numpy buffers.

    Not thread-safe: :func:`render_steps` takes :data:`_LOCK` around its use of the shared one.
    """

    def __init__(self, library: str, soundfont: str | os.PathLike, sample_rate: int = SAMPLE_RATE):
        self.lib = _load(library)
        self.version = self.lib.fluid_version_str().decode()
        self.soundfont = Path(soundfont)
        self.sample_rate = sample_rate
        self._settings = self.lib.new_fluid_settings()
        s = self._settings
        self.lib.fluid_settings_setnum(s, b"synth.sample-rate", float(sample_rate))
        self.lib.fluid_settings_setnum(s, b"synth.gain", GAIN)
        self.lib.fluid_settings_setint(s, b"synth.chorus.active", 0)  # jazz combos need no chorus; it costs a third
        self.lib.fluid_settings_setint(s, b"synth.dynamic-sample-loading", 1)  # load only the instruments played
        self.lib.fluid_settings_setint(s, b"synth.cpu-cores", max(1, min(2, os.cpu_count() or 1)))
        self._synth = self.lib.new_fluid_synth(s)
        if not self._synth:
            self.lib.delete_fluid_settings(s)
            raise RuntimeError("FluidSynth could not start a synthesizer.")
        if self.lib.fluid_synth_sfload(self._synth, str(self.soundfont).encode(), 1) == _FAILED:
            self.close()
            raise RuntimeError(f"FluidSynth could not load the SoundFont {self.soundfont}.")

    def reset(self) -> None:
        """All notes off, controllers and programs back to their defaults, and the reverb's tail
        run out (into a scratch buffer), so nothing of one render is heard in the next."""
        self.lib.fluid_synth_system_reset(self._synth)
        self.write(np.zeros((int(FLUSH_SECONDS * self.sample_rate), 2), dtype=np.float32))

    def program(self, channel: int, program: int) -> None:
        self.lib.fluid_synth_program_change(self._synth, channel, program)

    def pan(self, channel: int, pan: float) -> None:
        """-1 (left) .. +1 (right), as MIDI controller 10."""
        self.lib.fluid_synth_cc(self._synth, channel, 10, int(round(64 + 63 * max(-1.0, min(1.0, pan)))))

    def note_on(self, channel: int, key: int, velocity: int) -> None:
        self.lib.fluid_synth_noteon(self._synth, channel, key, velocity)

    def note_off(self, channel: int, key: int) -> None:
        self.lib.fluid_synth_noteoff(self._synth, channel, key)

    def write(self, out: np.ndarray) -> None:
        """Render ``len(out)`` frames into ``out``, a C-contiguous float32 array of shape (n, 2)."""
        if len(out):
            base = out.ctypes.data
            self.lib.fluid_synth_write_float(self._synth, len(out), base, 0, 2, base + 4, 0, 2)

    def close(self) -> None:
        if getattr(self, "_synth", None):
            self.lib.delete_fluid_synth(self._synth)
            self._synth = None
        if getattr(self, "_settings", None):
            self.lib.delete_fluid_settings(self._settings)
            self._settings = None

    def __del__(self) -> None:
        self.close()


_LOCK = threading.Lock()
_SHARED: dict[tuple[str, str, int], FluidSynth] = {}


def _shared_synth(library: str, soundfont: Path, sample_rate: int) -> FluidSynth:
    """The process's synthesizer for this library and SoundFont (loaded once)."""
    key = (library, str(soundfont), sample_rate)
    if key not in _SHARED:
        for old in _SHARED.values():
            old.close()
        _SHARED.clear()
        _SHARED[key] = FluidSynth(library, soundfont, sample_rate)
    return _SHARED[key]


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _events(notes: Sequence, sample_rate: int) -> list[tuple[int, int, int, int, int]]:
    """(frame, order, channel, key, velocity): note-offs (order 0) before note-ons (1) at one frame."""
    events = []
    for n in notes:
        on = int(round(n.start * sample_rate))
        off = max(on + 1, int(round((n.start + n.duration) * sample_rate)))
        events.append((on, 1, int(n.channel), int(n.pitch), max(1, min(127, int(n.velocity)))))
        events.append((off, 0, int(n.channel), int(n.pitch), 0))
    events.sort()
    return events


def _total_frames(notes: Sequence, total_seconds: float | None, tail: float, sample_rate: int) -> int:
    """Frames of the rendered audio; JazzError beyond :data:`MAX_SECONDS` (a preview of 2,000 measures
    would take gigabytes)."""
    from engine.jazz.errors import JazzError

    if total_seconds is None:
        total_seconds = max((n.start + n.duration for n in notes), default=0.0)
    seconds = float(total_seconds) + tail
    if not seconds <= MAX_SECONDS:
        raise JazzError(f"{seconds / 60:.0f} minutes of audio is too long to render; at most "
                        f"{MAX_SECONDS // 60} minutes are (fewer measures or a faster tempo).")
    return max(1, int(round(seconds * sample_rate)))


def _finish(mix: np.ndarray, sample_rate: int) -> np.ndarray:
    """Fade the last 20 ms (a cut-off release must not click) and normalise to -1 dBFS."""
    n_fade = min(len(mix), int(0.02 * sample_rate))
    if n_fade:
        mix[len(mix) - n_fade :] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)[:, None]
    peak = float(np.abs(mix).max()) if len(mix) else 0.0
    if peak > 0:
        mix *= np.float32(PEAK / peak)
    return mix


def render_steps(notes: Iterable, total_seconds: float | None = None, *, library: str | None = None,
                 soundfont: str | os.PathLike | None = None, tail: float = TAIL_SECONDS,
                 sample_rate: int = SAMPLE_RATE) -> Job:
    """Job: render ``notes`` (:class:`engine.jazz.synth.Note`: seconds, program, pan, channel) with FluidSynth.

    Returns float32 ``(round((total_seconds + tail) * sample_rate), 2)``; on FINISH, the audio
    rendered so far. Each channel takes the program and pan of its first note; channel 10 (9
    counted from 0) is the drum kit. Raises RuntimeError when FluidSynth is not available.
    """
    notes = list(notes)
    if library is None or soundfont is None:
        found = sampled_sound()
        if found is None:
            raise RuntimeError("FluidSynth or a General MIDI SoundFont is not installed.")
        library, soundfont = library or found[0], soundfont or found[1]
    n_total = _total_frames(notes, total_seconds, tail, sample_rate)
    events = _events(notes, sample_rate)
    mix = np.zeros((n_total, 2), dtype=np.float32)
    throttle = Throttle(0.05)
    with _LOCK:
        synth = _shared_synth(library, Path(soundfont), sample_rate)
        synth.reset()
        for n in sorted(notes, key=lambda n: n.start, reverse=True):  # the first note of a channel wins
            synth.program(int(n.channel), int(n.program))
            synth.pan(int(n.channel), float(n.pan))
        frame = 0
        stopped = False
        try:
            for at, order, channel, key, velocity in events:
                at = min(at, n_total)
                synth.write(mix[frame:at])
                frame = at
                if order:
                    synth.note_on(channel, key, velocity)
                else:
                    synth.note_off(channel, key)
                if throttle() and (yield Progress(frame, n_total, "rendering with FluidSynth")) is FINISH:
                    stopped = True
                    break
            if stopped:
                mix = mix[: max(frame, 1)]
            else:
                synth.write(mix[frame:])
        finally:
            synth.lib.fluid_synth_system_reset(synth._synth)  # a cancelled render leaves no note sounding
    yield Progress(n_total, n_total, "rendered")
    return _finish(mix, sample_rate)


def _engine_name(soundfont: Path) -> str:
    return f"FluidSynth ({soundfont.name})"


def render_to_wav(notes: Iterable, path: str | os.PathLike, total_seconds: float | None = None, *,
                  use_fluidsynth: bool = True, tail: float = TAIL_SECONDS) -> Job:
    """Job: render ``notes`` and write a stereo 44.1 kHz WAV to ``path`` atomically.

    Sampled sound through FluidSynth when it is here, else the hand-written synthesizer.
    Returns ``(path, engine name, seconds of audio)``.
    """
    from engine.jazz import synth

    notes = list(notes)
    _total_frames(notes, total_seconds, tail, SAMPLE_RATE)  # too long: one sentence, before any work
    found = sampled_sound() if use_fluidsynth else None
    buffer, engine = None, "built-in synthesizer"
    if found is not None:
        yield Progress(0, None, "rendering with FluidSynth")
        try:
            buffer = yield from render_steps(notes, total_seconds, library=found[0], soundfont=found[1], tail=tail)
            engine = _engine_name(found[1])
        except (OSError, RuntimeError):
            buffer = None  # a broken library or SoundFont: our own voices still play
    if buffer is None:  # its voices are pitched: the drum channel stays silent rather than play tunes
        pitched = [n for n in notes if int(n.channel) != DRUM_CHANNEL]
        if total_seconds is None:
            total_seconds = max((n.start + n.duration for n in notes), default=0.0)
        buffer = yield from synth.render_steps(pitched, total_seconds, tail=tail)
    synth.write_wav(path, buffer)
    return Path(path), engine, len(buffer) / SAMPLE_RATE


def arrangement_notes(arrangement, tempo: float | None = None) -> list:
    """The notes of every track of an :class:`engine.jazz.band.Arrangement`, in seconds, for rendering."""
    from engine.jazz.synth import Note as SoundNote

    seconds = 60.0 / float(tempo or arrangement.tempo)
    pans = {"melody": 0.25, "bass": -0.1, "comping": -0.3, "drums": 0.0}
    out = []
    for track in arrangement.tracks:
        pan = pans.get(track.role, 0.0)
        for n in track.notes:
            out.append(SoundNote(n.pitch, n.start * seconds, (n.end - n.start) * seconds, n.velocity,
                                 track.program, pan, track.channel))
    return out


def render_arrangement(arrangement, path: str | os.PathLike, tempo: float | None = None) -> Job:
    """Job: an arrangement (all its tracks) as a WAV file; returns ``(path, engine, seconds)``."""
    seconds = arrangement.length * 60.0 / float(tempo or arrangement.tempo)
    return (yield from render_to_wav(arrangement_notes(arrangement, tempo), path, seconds))
