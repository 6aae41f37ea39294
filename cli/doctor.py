"""``sequence-studio doctor``: check that the heavy libraries work on this computer; list MIDI ports.

Each check loads one library and does a small real job with it, so a packaged
app that lacks a module or a data file fails here with the library's own
message instead of in the middle of a training run. Having no MIDI ports or no
audio device is not a failure: the check says why there are none and what to do.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["register", "CHECKS", "CheckResult", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str  # the library's version and what was done, or the error
    seconds: float


def check_tensorflow() -> str:
    import tensorflow as tf

    x = tf.constant([1.0, -2.0, 3.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x)
    grad = tape.gradient(y, x).numpy().tolist()
    if grad != [2.0, -4.0, 7.0]:
        raise RuntimeError(f"d/dx sum(x^2) at (1, -2, 3.5) gave {grad}, expected (2, -4, 7)")
    return f"TensorFlow {tf.__version__}; autodiff of sum(x^2) gave 2x"


def check_keras() -> str:
    import tempfile
    from pathlib import Path

    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((4, 5)), keras.layers.LSTM(3)])
    x = np.random.default_rng(0).standard_normal((2, 4, 5)).astype("float32")
    before = np.asarray(model(x))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "check.keras"
        model.save(path)  # the .keras format needs h5py
        after = np.asarray(keras.models.load_model(path)(x))
    if before.shape != (2, 3) or not np.allclose(before, after):
        raise RuntimeError("an LSTM saved to a .keras file and loaded back gave different outputs")
    return f"Keras {keras.__version__} ({keras.backend.backend()} backend); an LSTM ran, saved and loaded"


def _one_note_midi(pitch: int) -> bytes:
    """A MIDI file (as bytes) that holds one quarter note."""
    import mido

    track = mido.MidiTrack([
        mido.Message("note_on", note=pitch, velocity=80, time=0),
        mido.Message("note_off", note=pitch, velocity=0, time=480),
    ])
    buffer = io.BytesIO()
    mido.MidiFile(tracks=[track], ticks_per_beat=480).save(file=buffer)
    return buffer.getvalue()


def check_music21() -> str:
    import music21

    score = music21.converter.parse(_one_note_midi(62), format="midi")
    pitches = [n.pitch.midi for n in score.flatten().notes]
    if pitches != [62]:
        raise RuntimeError(f"a one-note MIDI file read back as {pitches}")
    return f"music21 {music21.__version__}; read a MIDI file back"


def check_midi_ports() -> str:
    import mido

    from engine.midi_ports import BACKEND, list_output_ports

    mido.Backend(BACKEND, load=True)  # raises ImportError if the backend is missing
    listing = list_output_ports()
    if listing.names:
        return "output ports: " + ", ".join(listing.names)
    return listing.reason


def check_audio() -> str:
    """Qt Multimedia loads and its media backend decodes WAV (no output device is needed)."""
    import importlib

    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])  # noqa: F841 (plugins need one)
    mm = importlib.import_module("PySide6.QtMultimedia")  # as the Jazz tab's player loads it
    decodes = mm.QMediaFormat().supportedFileFormats(mm.QMediaFormat.ConversionMode.Decode)
    if mm.QMediaFormat.FileFormat.Wave not in decodes:
        raise RuntimeError("Qt Multimedia loaded, but no media backend plugin can decode WAV files")
    outputs = mm.QMediaDevices.audioOutputs()
    if outputs:
        return "Qt Multimedia decodes WAV; audio outputs: " + ", ".join(d.description() for d in outputs)
    return "Qt Multimedia decodes WAV; no audio output device here, so playback will say so"


def check_sound() -> str:
    """FluidSynth renders a note with the General MIDI SoundFont (sampled sound for previews and WAV)."""
    import numpy as np

    from engine.jazz.render import render_steps, sampled_sound
    from engine.jazz.synth import Note
    from engine.jobs import run_job

    found = sampled_sound()
    if found is None:
        raise RuntimeError("libfluidsynth or a General MIDI SoundFont is missing (apt-get install libfluidsynth3 "
                           "fluid-soundfont-gm); previews fall back to the built-in synthesizer")
    buffer = run_job(render_steps([Note(69, 0.0, 0.3, 100, 0)], 0.3, library=found[0], soundfont=found[1], tail=0.1))
    if not np.abs(buffer).max() > 0:
        raise RuntimeError(f"FluidSynth with {found[1].name} rendered silence")
    return f"FluidSynth ({found[0]}) with {found[1]}; rendered a piano note"


CHECKS: dict[str, Callable[[], str]] = {
    "tensorflow": check_tensorflow,
    "keras": check_keras,
    "music21": check_music21,
    "midi": check_midi_ports,
    "audio": check_audio,
    "sound": check_sound,
}


def run_checks(names: list[str] | None = None) -> list[CheckResult]:
    results = []
    for name in names or list(CHECKS):
        started = time.perf_counter()
        try:
            detail, ok = CHECKS[name](), True
        except Exception as exc:  # a broken library is the answer, not a crash
            detail, ok = f"{type(exc).__name__}: {exc}", False
        results.append(CheckResult(name, ok, detail, round(time.perf_counter() - started, 3)))
    return results


def _run(args) -> int:
    from engine.version import APP_NAME, app_version

    results = run_checks(args.only)
    if args.json:
        print(json.dumps({"version": app_version(), "frozen": bool(getattr(sys, "frozen", False)),
                          "checks": [asdict(r) for r in results]}))
    else:
        print(f"{APP_NAME} {app_version()}")
        for r in results:
            print(f"  {'ok  ' if r.ok else 'FAIL'}  {r.name:<11} {r.detail}  ({r.seconds:.1f} s)")
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"error: {', '.join(failed)} did not work", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check that TensorFlow, Keras, music21, MIDI and audio work here",
        description="Load each heavy library, run a tiny job with it, and list the MIDI output ports "
        "(or say why there are none). Exit status 1 if a library does not work.",
    )
    parser.add_argument("--only", nargs="+", choices=list(CHECKS), metavar="CHECK",
                        help=f"run only these checks ({', '.join(CHECKS)})")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    parser.set_defaults(handler=_run)
