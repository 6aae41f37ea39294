"""Note classes over the chord sounding, against a worked ii-V-I."""

from engine.jazz.harmony import parse_chord_symbols
from engine.jazz.midi_read import Note
from engine.jazz.tones import CLASS_NAMES, classify


def test_classes_over_the_chord_each_note_starts_on():
    dm7, g7 = parse_chord_symbols("Dm7 G7")
    chord_at = lambda t: dm7 if t < 4 else g7  # noqa: E731
    notes = [Note(0, 1, 62), Note(1, 2, 64), Note(2, 3, 61), Note(3, 3.5, 66), Note(4, 5, 65), Note(5, 6, 68)]
    # D over Dm7: chord tone; E: its 9th; C# and F#: a half step from D and F, outside D dorian
    # F over G7: its 7th (chord tone); G# over G7: a half step above G (approach)
    assert classify(notes, chord_at) == [("C", "Dm7"), ("S", "Dm7"), ("A", "Dm7"), ("A", "Dm7"), ("C", "G7"),
                                         ("A", "G7")]
    assert classify([Note(0, 1, 60)], lambda t: None) == [("X", "")]
    assert set(CLASS_NAMES) == {"C", "S", "A", "X"}


def test_chord_of_measures_finds_the_measure_holding_a_time():
    from types import SimpleNamespace

    from engine.jazz.tones import chord_of_measures

    dm7, g7 = parse_chord_symbols("Dm7 G7")
    measures = [SimpleNamespace(start=4.0, length=4.0, chord=dm7), SimpleNamespace(start=8.0, length=3.0, chord=g7)]
    chord_at = chord_of_measures(measures)
    assert chord_at(4.0) is dm7 and chord_at(7.99) is dm7 and chord_at(8.0) is g7 and chord_at(10.5) is g7
    assert chord_at(3.9) is None and chord_at(11.0) is None
