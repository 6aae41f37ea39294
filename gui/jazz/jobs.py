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

__all__ = ["pieces_job", "generate_job", "save_model_job", "load_model_job", "export_job", "midi_files_job",
           "wav_job", "lead_sheet_job"]


def pieces_job(sources: Sequence, melodies: Sequence[int | None]) -> Job:
    """Read the files among ``sources`` (MIDI or lead sheets; Songs are kept as they are) and build one corpus.

    ``melodies`` holds a part index per source, or None for the engine's own pick.
    Returns ``dict(songs, autos, melodies, corpus, error, swing)``: ``melodies`` as
    learnt (each pick resolved), ``swing`` the ratio measured over all the melodies
    (None when they play too few eighth pairs). A corpus that cannot be built (a
    melody too short, no melody found) leaves ``corpus`` None and says why in
    ``error``, so the user can still see the parts and pick another.
    """
    from engine.jazz import JazzError, build_corpus, pick_melody, read_song
    from engine.jazz.leadsheet import is_lead_sheet, read_lead_sheet

    songs = []
    for k, source in enumerate(sources):
        if isinstance(source, (str, Path)):
            yield Progress(k, len(sources) + 1, f"Reading {Path(source).name}…")
            source = read_lead_sheet(source).song if is_lead_sheet(source) else read_song(source)
        songs.append(source)
    autos = []
    for song in songs:
        try:
            autos.append(pick_melody(song))
        except JazzError:
            autos.append(None)
    chosen = [m if m is not None else a for m, a in zip(melodies, autos, strict=True)]
    yield Progress(len(sources), len(sources) + 1, "Naming the chords and writing the melodies as tokens…")
    try:
        corpus, error = build_corpus(songs, list(melodies)), ""
    except JazzError as exc:
        corpus, error = None, str(exc)
    if corpus is not None:
        chosen = [piece.melody_index for piece in corpus.pieces]
    return {"songs": songs, "autos": autos, "melodies": chosen, "corpus": corpus, "error": error,
            "swing": corpus.swing if corpus is not None else None}


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
    """Render notes (seconds) to a WAV file -- sampled sound through FluidSynth when it is here, else the
    built-in synthesizer; returns ``(path, engine name, seconds)``."""
    from engine.jazz.render import render_to_wav

    return (yield from render_to_wav(notes, Path(path), seconds))


def lead_sheet_job(improv, path: str | Path) -> Job:
    """Write one improvisation as a MusicXML lead sheet (melody and chord symbols) at ``path``."""
    from engine.jazz.leadsheet import write_lead_sheet

    yield Progress(0, 1, f"Writing {Path(path).name}…")
    return write_lead_sheet(improv, path)
