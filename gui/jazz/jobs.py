"""The Jazz tab's tasks: engine calls composed for a worker thread.

Each is a job (a generator of :class:`engine.jobs.Progress`, see
:mod:`engine.jobs`) that the tab hands to a :class:`gui.worker.JobWorker`.
Reading files, writing MIDI and WAV, TensorFlow and music21 all happen here,
never in the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.jobs import Job, Progress

__all__ = ["piece_job", "generate_job", "save_model_job", "load_model_job", "export_job", "midi_files_job",
           "wav_job"]


def piece_job(path: str | Path | None, song=None, melody: int | None = None) -> Job:
    """Read a MIDI file (or reuse ``song``) and build the corpus for the melody part.

    Returns ``dict(song, auto, corpus, error)``; a corpus that cannot be built (a
    melody too short, no melody found) leaves ``corpus`` None and says why in
    ``error``, so the user can still see the parts and pick another.
    """
    from engine.jazz import JazzError, build_corpus, pick_melody, read_song

    if song is None:
        yield Progress(0, 2, f"Reading {Path(path).name}…")
        song = read_song(path)
    try:
        auto = pick_melody(song)
    except JazzError:
        auto = None
    yield Progress(1, 2, "Naming the chords and writing the melody as tokens…")
    try:
        corpus = build_corpus(song, melody)
        error = ""
    except JazzError as exc:
        corpus, error = None, str(exc)
    return {"song": song, "auto": auto, "corpus": corpus, "error": error}


def generate_job(model, options: dict) -> Job:
    from engine.jazz import generate

    yield Progress(0, 1, "Improvising…")
    return generate(model, **options)


def save_model_job(model, folder: str) -> Job:
    from engine.jazz import save_model

    yield Progress(0, 1, f"Saving the model to {folder}…")
    return save_model(model, folder)


def load_model_job(folder: str) -> Job:
    from engine.jazz import load_model

    yield Progress(0, 1, "Loading the model…")
    return load_model(folder)


def export_job(improv, path: str | Path, options: dict) -> Job:
    """Write one improvisation as a MIDI file at ``path``."""
    from engine.jazz import ExportOptions, export_midi

    yield Progress(0, 1, f"Writing {Path(path).name}…")
    return export_midi(improv, path, ExportOptions(**options))


def midi_files_job(improvs: Sequence, paths: Sequence[Path], options: dict) -> Job:
    """Write each improvisation to its path (the files a drag hands out); returns the paths."""
    from engine.jazz import ExportOptions, export_midi

    written = []
    for k, (improv, path) in enumerate(zip(improvs, paths, strict=True)):
        yield Progress(k, len(paths), f"Preparing {Path(path).name}…")
        written.append(export_midi(improv, path, ExportOptions(**options)))
    return written


def wav_job(notes: list, path: str | Path, seconds: float) -> Job:
    """Render synthesizer notes (seconds) to a WAV file; returns ``(path, engine name, seconds)``."""
    from engine.jazz.synth import render_to_wav

    return (yield from render_to_wav(notes, Path(path), seconds))
