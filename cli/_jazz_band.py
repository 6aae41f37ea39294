"""The band and file-format side of ``jazz``: styles, tracks, lead sheets, typed changes, WAV.

``cli/jazz.py`` registers the commands; these helpers add the options and do
the work, so that file needs only a few lines:

    add_band_options(generate_parser)      # --style, --tracks, --wav
    read_source(path) -> Song              # a MIDI file or a MusicXML/ABC lead sheet
    chord_source(text)                     # --chords: typed bars, or a lead sheet's chord symbols
    write_output(improv, path, options, args)  # .mid with the band, or a .musicxml/.mxl lead sheet
    report_wav(improvisations, options, args)  # --wav: the first variation as audio
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from engine.jazz.band import STYLE_NAMES, TRACK_NAMES

__all__ = ["add_band_options", "read_source", "chord_source", "lead_for_export", "write_output", "render_wav", "report_wav"]


def _tracks(text: str) -> tuple[str, ...]:
    from engine.jazz.band import parse_tracks
    from engine.jazz.errors import JazzError

    try:
        return parse_tracks(text)
    except JazzError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_band_options(parser: argparse.ArgumentParser) -> None:
    """The rhythm-section and output options of ``jazz generate``."""
    parser.add_argument("--style", choices=STYLE_NAMES, default="swing",
                        help="the rhythm section under the solo (default swing; none = the chords held as blocks)")
    parser.add_argument("--tracks", type=_tracks, default=TRACK_NAMES, metavar="LIST",
                        help=f"tracks to write, comma-separated (default {','.join(TRACK_NAMES)})")
    parser.add_argument("--wav", type=Path, metavar="FILE.wav",
                        help="also render the first variation's tracks as audio (FluidSynth when installed)")


def read_source(path: Path):
    """A training source as a Song: a MIDI file, or a MusicXML (.musicxml, .mxl) / ABC lead sheet."""
    from engine.jazz.leadsheet import is_lead_sheet, read_lead_sheet
    from engine.jazz.midi_read import read_song

    return read_lead_sheet(path).song if is_lead_sheet(path) else read_song(path)


def chord_source(text: str | None):
    """``--chords``: None (the source's), typed bars ("| Dm7 G7 | Cmaj7 | % |", passed on as text),
    or a MusicXML/ABC lead sheet whose chord symbols become the changes."""
    from engine.jazz.errors import ChordSymbolError
    from engine.jazz.leadsheet import is_lead_sheet, read_lead_sheet

    if text is None or not text.strip() or not is_lead_sheet(text.strip()):
        return text
    sheet = read_lead_sheet(Path(text.strip()))
    if sheet.changes is None:
        raise ChordSymbolError(f"{Path(text.strip()).name} has no chord symbols to improvise over.")
    return [tuple(bar) for bar in sheet.changes]


def _typed_changes(chords):
    if chords is None or (isinstance(chords, str) and not chords.strip()):
        return None
    if not isinstance(chords, str):
        return tuple(tuple(bar) for bar in chords)
    from engine.jazz.harmony import parse_changes

    return tuple(tuple(bar) for bar in parse_changes(chords))


def lead_for_export(improv, chords_text: str | None):
    """The improvisation, with every typed chord of each bar when it keeps only one per bar itself
    (an improvisation without ``changes``)."""
    if getattr(improv, "changes", None):
        return improv
    changes = _typed_changes(chord_source(chords_text))
    if changes is None:
        return improv
    if all(len(bar) == 1 for bar in changes):
        return improv
    from engine.jazz.leadsheet import lead_from

    looped = tuple(changes[k % len(changes)] for k in range(improv.measures))
    return replace(lead_from(improv), changes=looped)


def write_output(improv, path: Path, options, args) -> Path:
    """Write one variation: a lead sheet for .musicxml/.mxl, else MIDI with the chosen style and tracks."""
    from engine.jazz.export import export_midi
    from engine.jazz.leadsheet import write_lead_sheet

    lead = lead_for_export(improv, getattr(args, "chords", None))
    if path.suffix.lower() in (".musicxml", ".mxl", ".xml"):
        return write_lead_sheet(lead, path)
    return export_midi(lead, path, _band_options(options, args))


def _band_options(options, args):
    """The export options with the chosen style and tracks (no --chord-program: the style's instrument)."""
    return replace(options, style=args.style, tracks=args.tracks)


def render_wav(improv, path: Path, options, args) -> str:
    """Render the first variation as the MIDI file would sound; returns a line for the terminal."""
    from engine.jazz.export import arrangement_for
    from engine.jazz.render import render_arrangement
    from engine.jobs import run_job

    lead = lead_for_export(improv, getattr(args, "chords", None))
    arrangement = arrangement_for(lead, _band_options(options, args))
    wav, engine, seconds = run_job(render_arrangement(arrangement, path))
    return f"wrote {wav}: {seconds:.1f} s of audio ({engine})"


def report_wav(improvisations, options, args) -> int:
    """``--wav``: render the first variation; 0, or the bad-input status with one line."""
    from cli._args import fail
    from engine.files import FileCheckError, check_output_path
    from engine.jazz.errors import JazzError

    if args.wav is None:
        return 0
    try:
        check_output_path(args.wav, "WAV file")
        print(render_wav(improvisations[0], args.wav, options, args), file=sys.stderr)
    except (JazzError, FileCheckError, OSError) as exc:
        return fail(f"could not write {args.wav}: {exc}")
    return 0
