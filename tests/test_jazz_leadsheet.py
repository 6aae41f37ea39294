"""Lead sheets in and out: MusicXML and ABC read with music21, improvisations written as MusicXML."""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

from engine.jazz import MidiReadError, build_corpus
from engine.jazz.harmony import parse_changes
from engine.jazz.leadsheet import Lead, notated_melody, read_lead_sheet, write_lead_sheet
from engine.jazz.midi_read import Note

CHANGES = tuple(tuple(bar) for bar in parse_changes("| Dm7 G7 | Cmaj7 | C / / A7 | Bb7#9 | F#m7b5 B7b9 | Em6 |"))
RHYTHM = [0.5, 0.5, 1.0, 1 / 3, 1 / 3, 1 / 3, 1.5, 0.5, 0.75, 0.25, 2.5, 1.0, 3.0, 1.0, 2.0]  # triplets, ties


def melody(meter_length=4.0, gap_at=7):
    notes, t, pitch = [], 0.0, 60
    for k, d in enumerate(RHYTHM):
        if k == gap_at:
            t += 0.5  # a rest
        notes.append(Note(t, t + d, pitch, 96))
        t += d
        pitch += 2 if k % 3 else -3
    return tuple(notes)


def music21_view(path):
    """Notes and chord symbols as music21 itself reads the written file (not through our reader)."""
    from music21 import converter, harmony

    score = converter.parse(str(path))
    part = score.parts[0]
    notes = [(Fraction(n.offset).limit_denominator(48), Fraction(n.quarterLength).limit_denominator(48), n.pitch.midi)
             for n in part.stripTies().flatten().notes if not isinstance(n, harmony.ChordSymbol)]
    symbols = [(Fraction(cs.getOffsetInHierarchy(part)).limit_denominator(48),
                sorted({p.pitchClass for p in cs.pitches}), cs.root().pitchClass)
               for cs in part.flatten().getElementsByClass(harmony.ChordSymbol)]
    return score, notes, symbols


@pytest.mark.parametrize("suffix", [".musicxml", ".mxl"])
@pytest.mark.parametrize("meter", [(4, 4), (3, 4)])
def test_lead_sheet_round_trips_through_music21(tmp_path, suffix, meter):
    from music21 import meter as m21meter

    lead = Lead(melody(), CHANGES, meter, 132.0, "F", 1.0, 0, "Test tune")
    path = write_lead_sheet(lead, tmp_path / f"tune{suffix}")
    score, notes, symbols = music21_view(path)
    expected = [(Fraction(round(n.start * 12), 12), Fraction(round(n.duration * 12), 12), n.pitch) for n in lead.melody]
    assert notes == expected
    size = Fraction(meter[0] * 4, meter[1])
    wanted = []
    for m, bar in enumerate(CHANGES):
        for k, chord in enumerate(bar):
            if k == 0 or chord != bar[k - 1]:
                wanted.append((m * size + k * size / len(bar), sorted(chord.pitch_classes), chord.root))
    assert symbols == wanted
    assert score.recurse().getElementsByClass(m21meter.TimeSignature)[0].ratioString == f"{meter[0]}/{meter[1]}"
    back = read_lead_sheet(path)  # and our reader gives the same lead back
    assert back.changes == CHANGES and back.lead.tempo == 132.0 and back.lead.key == "F"
    assert [(round(n.start, 6), round(n.end, 6), n.pitch) for n in back.lead.melody] == [
        (round(n.start, 6), round(n.end, 6), n.pitch) for n in lead.melody]


def test_swung_eighths_are_written_as_plain_eighths():
    swung = (Note(0.0, 2 / 3, 60), Note(2 / 3, 1.0, 62), Note(1.0, 5 / 3, 64), Note(5 / 3, 2.0, 65))
    lead = Lead(swung, CHANGES[:1], (4, 4), 120.0, None, 2.0)
    assert [(s, d) for s, d, _ in notated_melody(lead)] == [(Fraction(k, 2), Fraction(1, 2)) for k in range(4)]


ABC = """X:1
T:Test
M:3/4
L:1/8
Q:1/4=140
K:Bb
"Cm7"c2 e2 g2 | "F7"f2 a2 c'2 | "Bbmaj7"B6 | "Eb7" e2 "D7"d2 z2 |
"""


def test_abc_lead_sheet_is_training_input_and_chord_source(tmp_path):
    path = tmp_path / "tune.abc"
    path.write_text(ABC)
    sheet = read_lead_sheet(path)
    assert [[c.symbol for c in bar] for bar in sheet.changes] == [["Cm7"], ["F7"], ["Bbmaj7"], ["Eb7", "D7", "D7"]]
    assert sheet.lead.time_signature == (3, 4) and sheet.lead.tempo == 140.0 and sheet.lead.key == "Bb"
    assert [(n.start, n.end, n.pitch) for n in sheet.lead.melody][:3] == [(0.0, 1.0, 72), (1.0, 2.0, 75), (2.0, 3.0, 79)]
    assert [p.name for p in sheet.song.parts] == ["Melody", "Chords"]
    corpus = build_corpus(sheet.song)
    assert len(corpus.measures) == 4
    assert [m.chord.symbol for m in corpus.measures[:3]] == ["Cm7", "F7", "Bbmaj7"]


def test_a_lead_sheet_without_chords_says_so(tmp_path):
    path = tmp_path / "bare.abc"
    path.write_text(ABC.replace('"Cm7"', "").replace('"F7"', "").replace('"Bbmaj7"', "").replace('"Eb7" ', "")
                    .replace('"D7"', ""))
    sheet = read_lead_sheet(path)
    assert sheet.changes is None and len(sheet.song.parts) == 1
    assert any("no chord symbols" in w for w in sheet.warnings)


@pytest.mark.parametrize("case", ["missing", "empty", "folder", "fifo", "junk_xml", "junk_mxl"])
def test_bad_lead_sheets_are_one_line(tmp_path, case):
    path = tmp_path / {"junk_mxl": "x.mxl", "folder": "d.musicxml"}.get(case, "x.musicxml")
    if case == "empty":
        path.write_bytes(b"")
    elif case == "folder":
        path.mkdir()
    elif case == "fifo":
        os.mkfifo(path)
    elif case.startswith("junk"):
        path.write_text("<score-partwise><part id='P1'><measure>nonsense")
    with pytest.raises(MidiReadError) as info:
        read_lead_sheet(path)
    assert "\n" not in str(info.value)


def test_an_inferred_chord_name_is_still_written(tmp_path):
    from engine.jazz.harmony import Chord

    odd = Chord("(Cadd4)", 0, (0, 4, 5, 7))
    lead = Lead(melody(), ((odd,),) * 6, (4, 4), 120.0)
    _, _, symbols = music21_view(write_lead_sheet(lead, tmp_path / "odd.musicxml"))
    assert symbols[0][1] == [0, 4, 5, 7]


def test_a_pickup_bar_ends_a_full_first_measure(tmp_path):
    path = tmp_path / "pickup.abc"
    path.write_text('X:1\nT:Pickup\nM:4/4\nL:1/8\nK:C\nG2 | "C"c2 e2 g2 c\'2 | "F7"f8 | "C"c8 |\n')
    sheet = read_lead_sheet(path)
    assert [(n.start, n.pitch) for n in sheet.lead.melody][:2] == [(3.0, 67), (4.0, 72)]
    assert [[c.symbol for c in bar] for bar in sheet.changes] == [["C"], ["C"], ["F7"], ["C"]]


def test_a_lead_sheet_in_f_spells_flats_and_chord_tones_as_written(tmp_path):
    """B-flat in F, and F-sharp over D7 even in F: music21 reads the names a musician expects."""
    from music21 import converter

    line = (Note(0.0, 1.0, 70, 96), Note(1.0, 2.0, 65, 96), Note(4.0, 5.0, 66, 96), Note(5.0, 6.0, 63, 96))
    lead = Lead(line, tuple(tuple(bar) for bar in parse_changes("| F | D7 |")), (4, 4), 120.0, "F", 1.0, 0, "F tune")
    path = write_lead_sheet(lead, tmp_path / "f.musicxml")
    names = [n.pitch.nameWithOctave for n in converter.parse(str(path)).parts[0].flatten().notes
             if hasattr(n, "pitch") and n.isNote]
    assert names == ["B-4", "F4", "F#4", "E-4"]
