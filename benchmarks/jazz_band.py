"""The rhythm section, the export and the sampled sound, measured on the files they write.

On three sources -- the course's Metheny solo (../shared/data, skipped when
absent), the bundled piece and a typed ii-V-I -- the band is written as MIDI
(style swing, seed 0) and read back with mido; every figure comes from the
written file (engine/jazz/band/checks.py), never from the generator:

    bass on roots        share of bars whose first bass note is the chord's root      >= 90 %
    bass approaches      share of chord changes entered by a half or whole step       >= 70 %
    guide tones          share of comping voicings with the 3rd and the 7th (or 6th)  >= 90 %
    top-voice motion     mean semitones the comping's top voice moves per change      <= 3
    drums on channel 10  every drum note on channel 10, no other note there
    ride ratio           long/short of the ride's eighths vs the chosen ratio         within 5 %

Then: the export has four named tracks with their programs, and mido and
music21 read the same notes from it; a MusicXML lead sheet reads back (music21)
with the same notes and chord symbols; a WAV of 32 measures and four tracks
renders in < 3 s (FluidSynth; the first render in the process, SoundFont load
included, and again); 2,000 measures export in < 3 s (arranging included).

Run:  .venv/bin/python benchmarks/jazz_band.py
The machine this runs on may be shared; treat times as pessimistic.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.jazz.band.checks import measure_band, read_tracks  # noqa: E402
from engine.jazz.export import ExportOptions, arrangement_for, export_midi  # noqa: E402
from engine.jazz.harmony import parse_changes  # noqa: E402
from engine.jazz.leadsheet import Lead, read_lead_sheet, write_lead_sheet  # noqa: E402
from engine.jazz.midi_read import Note  # noqa: E402

METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"
rows: list[bool] = []


def line(name: str, value: str, target: str, ok: bool) -> None:
    rows.append(ok)
    print(f"  {name:<34} {value:>14}   target {target:<12} {'pass' if ok else 'FAIL'}")


def lead_of_song(path: Path) -> Lead:
    from engine.jazz import build_corpus, read_song

    song = read_song(path)
    corpus = build_corpus(song)
    chords, last = [], None
    for m in corpus.measures:
        last = m.chord or last
        chords.append(last)
    first = next(c for c in chords if c is not None)
    return Lead(tuple(corpus.melody_notes), tuple(((c or first),) for c in chords), tuple(corpus.time_signature),
                song.tempo, song.key, 1.0, 0, path.stem)


def typed(text: str, repeats: int) -> Lead:
    changes = tuple(tuple(bar) for bar in parse_changes(text)) * repeats
    melody = tuple(Note(k * 0.5, k * 0.5 + 0.5, 62 + (k * 5) % 14, 96) for k in range(len(changes) * 8))
    return Lead(melody, changes, (4, 4), 132.0, "C", 1.0, 0, "ii-V-I")


def band_figures(name: str, lead: Lead, folder: Path) -> None:
    path = export_midi(lead, folder / f"{name}.mid", ExportOptions(style="swing", seed=0))
    f = measure_band(path, lead.changes, lead.measure_length, lead.measures)
    print(f"{name}: {lead.measures} measures, {lead.time_signature[0]}/{lead.time_signature[1]}, swing style")
    line("bass on roots", f"{f.bass_on_roots:.1%}", ">= 90 %", f.bass_on_roots >= 0.9)
    line("bass approaches by step", f"{f.bass_approaches:.1%}", ">= 70 %", f.bass_approaches >= 0.7)
    line("bass range (MIDI)", f"{f.bass_range[0]}-{f.bass_range[1]}", "28-55", 28 <= f.bass_range[0] <= f.bass_range[1] <= 55)
    line("voicings with 3rd and 7th/6th", f"{f.guide_tone_share:.1%}", ">= 90 %", f.guide_tone_share >= 0.9)
    line("top-voice motion (semitones)", f"{f.top_voice_motion:.2f}", "<= 3", f.top_voice_motion <= 3.0)
    line("drum channels", ",".join(str(c + 1) for c in sorted(f.drum_channels)) + f" ({f.other_on_drum_channel} other)",
         "10 only", f.drum_channels == {9} and f.other_on_drum_channel == 0)
    line("ride ratio (chosen 2.00)", f"{f.ride_ratio:.3f}", "2.00 +- 5 %", abs(f.ride_ratio / 2.0 - 1) <= 0.05)


def export_figures(lead: Lead, folder: Path) -> None:
    import mido
    from music21 import converter

    print("export and lead sheet (typed changes, 16 measures)")
    path = export_midi(lead, folder / "four.mid", ExportOptions(style="swing"))
    tracks = read_tracks(path)
    names = [t.name for t in mido.MidiFile(path).tracks[1:]]
    line("named tracks", ",".join(names), "4 named", names == ["Melody", "Bass", "Comping", "Drums"])
    programs = [tracks[n].program for n in names]
    line("programs set", ",".join(map(str, programs)), "all set", None not in programs)
    score = converter.parse(path)
    same = len(score.parts) == 4
    for part, name in zip(score.parts, names, strict=False):
        ours = sorted(round(s, 4) for s, _, _, _ in tracks[name].notes)
        theirs = sorted(round(float(n.offset), 4) for n in part.stripTies().flatten().notes
                        for _ in (n.notes if hasattr(n, "notes") else [n]))
        same &= ours == theirs
    line("mido and music21 agree", "yes" if same else "no", "identical", same)

    sheet_path = write_lead_sheet(lead, folder / "lead.musicxml")
    back = read_lead_sheet(sheet_path)
    notes_same = [(round(n.start, 4), round(n.end, 4), n.pitch) for n in back.lead.melody] == [
        (round(n.start, 4), round(n.end, 4), n.pitch) for n in lead.melody]
    line("MusicXML round trip: notes", f"{len(back.lead.melody)} notes", "same", notes_same)
    line("MusicXML round trip: chords", f"{sum(len(b) for b in back.changes or ())} chords", "same",
         back.changes == lead.changes)


def timing_figures(folder: Path) -> None:
    from engine.jazz.render import render_arrangement, sampled_sound
    from engine.jobs import run_job

    print("speed")
    found = sampled_sound()
    lead32 = typed("| Dm7 G7 | Cmaj7 | Em7 A7 | Dm7 G7 |", 8)
    arrangement = arrangement_for(lead32, ExportOptions(style="swing"))
    if found is None:
        line("WAV 32 measures, 4 tracks", "no FluidSynth", "< 3 s", False)
    else:
        for label in ("first, SoundFont load", "again"):
            t = time.perf_counter()
            _, engine, seconds = run_job(render_arrangement(arrangement, folder / "band.wav"))
            took = time.perf_counter() - t
            line(f"WAV 32 bars ({label})", f"{took:.2f} s", "< 3 s", took < 3.0)
        print(f"    {engine}, {seconds:.1f} s of audio, SoundFont {found[1]} ({found[1].stat().st_size / 2**20:.0f} MB)")
    lead2000 = typed("| Dm7 G7 | Cmaj7 | Em7 A7 | Dm7 G7 |", 500)
    for style in ("swing", "none"):
        t = time.perf_counter()
        export_midi(lead2000, folder / "long.mid", ExportOptions(style=style))
        took = time.perf_counter() - t
        line(f"export 2,000 measures ({style})", f"{took:.2f} s", "< 3 s", took < 3.0)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="jazz-band-bench-") as tmp:
        folder = Path(tmp)
        if METHENY.is_file():
            band_figures("Metheny", lead_of_song(METHENY), folder)
        else:
            print(f"Metheny: skipped ({METHENY} is absent)")
        from engine.jazz import default_piece

        band_figures("bundled piece", lead_of_song(default_piece()), folder)
        band_figures("typed ii-V-I", typed("| Dm7 | G7 | Cmaj7 | Cmaj7 |", 8), folder)
        export_figures(typed("| Dm7 G7 | Cmaj7 | C / / A7 | Bb7#9 |", 4), folder)
        timing_figures(folder)
    print(f"{sum(rows)} passed, {len(rows) - sum(rows)} failed")
    return 0 if all(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
