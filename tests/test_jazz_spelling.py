"""Pitch names spelt in the piece's key (B♭ in F, A♯ in B), checked against mido's and music21's own theory."""

from __future__ import annotations

import pytest
from jazz_helpers import block_chords, write_midi

from engine.jazz.harmony import parse_chord_symbols
from engine.jazz.midi_read import read_song
from engine.jazz.spelling import key_of, key_sharps, pitch_name, range_name, spell

MAJOR = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
MINOR = ["Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m", "G#m", "D#m", "A#m"]


def _m21(name: str) -> str:
    """music21's 'B-' as a musician writes it: 'B♭'."""
    return name.replace("-", "♭").replace("#", "♯")


def test_key_signatures_agree_with_mido():
    import mido.midifiles.meta as meta

    for (sharps, minor), name in meta._key_signature_decode.items():
        assert key_sharps(name) == (sharps, bool(minor)), name
    assert key_sharps(None) is None and key_sharps("H") is None and key_sharps("") is None


def test_every_spelling_names_the_same_pitch():
    chords = [None, *parse_chord_symbols("D7 Bbm7 C7#9 Caug F#m7b5 Ebmaj7 A7b9 Gdim7")]
    for key in [None, *MAJOR, *MINOR]:
        for chord in chords:
            for midi in range(128):
                spelt = spell(midi, key, chord)
                assert spelt.midi == midi and abs(spelt.alter) <= 1, (key, chord, midi, spelt)


@pytest.mark.parametrize("key", MAJOR + MINOR)
def test_notes_of_the_key_are_spelt_as_music21_spells_its_scale(key):
    from music21 import key as m21key

    tonic = key[:-1] if key.endswith("m") else key
    scale = m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, "minor" if key.endswith("m") else "major")
    for p in scale.pitches[:7]:
        midi = 60 + p.pitchClass
        assert pitch_name(midi, key)[:-1] == _m21(p.name), (key, p.name)


def test_outside_the_key_flats_in_flat_keys_sharps_in_sharp_keys():
    assert [pitch_name(p, "F")[:-1] for p in (61, 63, 66, 68, 70)] == ["D♭", "E♭", "G♭", "A♭", "B♭"]
    assert [pitch_name(p, "E")[:-1] for p in (61, 63, 66, 68, 70)] == ["C♯", "D♯", "F♯", "G♯", "A♯"]
    assert [pitch_name(p, "C")[:-1] for p in (61, 63, 66, 68, 70)] == ["C♯", "E♭", "F♯", "A♭", "B♭"]
    assert pitch_name(71, "Eb") == "B4" and pitch_name(64, "Ab") == "E4"  # white keys keep their letter
    assert pitch_name(61, "Dm") == "C♯4" and pitch_name(63, "Em") == "D♯4"  # a minor key's leading tone
    assert pitch_name(59, "Gb") == "C♭4" and pitch_name(60, "C#") == "B♯3"  # octave follows the letter
    assert pitch_name(70, "F", ascii=True) == "Bb4" and pitch_name(70, "B", ascii=True) == "A#4"
    assert range_name(60, 82, "F") == "C4–B♭5" and range_name(60, 82, "F", ascii=True) == "C4-Bb5"


@pytest.mark.parametrize("symbol", ["D7", "Bbm7", "C7#9", "Caug", "F#m7b5", "Ebmaj7", "A7", "Db7", "Gm6", "B7"])
def test_chord_tones_are_spelt_as_music21_spells_the_chord(symbol):
    from music21 import harmony

    (chord,) = parse_chord_symbols(symbol)
    names = {p.pitchClass: _m21(p.name) for p in harmony.ChordSymbol(symbol.replace("b", "-", 1) if
                                                                       symbol[1:2] == "b" else symbol).pitches}
    for key in ("F", "E", None):
        for pc in chord.pitch_classes:
            assert pitch_name(60 + pc, key, chord)[:-1] == names[pc], (symbol, key, pc)
    # a note outside the chord follows the key; a symbol works as well as a chord
    assert pitch_name(66, "F", "D7") == "F♯4" and pitch_name(66, "F", "C7") == "G♭4"
    assert pitch_name(66, "F", "not a chord") == "G♭4"


def test_a_file_in_f_is_read_back_with_its_b_flats(tmp_path):
    melody = [(k * 1.0, 1.0, p) for k, p in enumerate([60, 65, 70, 69, 67, 70, 72, 82])]
    path = write_midi(tmp_path / "in_f.mid", [
        {"name": "Trumpet", "channel": 0, "program": 56, "notes": melody},
        {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords([[53, 57, 60, 63], [46, 50, 53, 56]], 2)},
    ], key="F")
    song = read_song(path)
    assert song.key == "F"
    assert [range_name(*p.pitch_range, song.key) for p in song.parts] == ["C4–B♭5", "B♭2–E♭4"]
    assert pitch_name(song.parts[0].notes[2].pitch, song.key) == "B♭4"


def test_the_key_of_an_improvisation_without_one_is_estimated():
    from engine.jazz.leadsheet import Lead
    from engine.jazz.midi_read import Note

    changes = tuple((c,) for c in parse_chord_symbols("Ebmaj7 Ab7 Bbm7 Eb7"))
    notes = tuple(Note(k, k + 1.0, p) for k, p in enumerate([63, 67, 70, 68, 63, 65, 67, 70]))
    lead = Lead(notes, changes, (4, 4), 120.0, None, 1.0, 0)
    assert key_of(lead) == "Eb" and pitch_name(68, key_of(lead)) == "A♭4"
    assert key_of(Lead(notes, changes, (4, 4), 120.0, "Cm", 1.0, 0)) == "Cm"


def test_the_exported_key_signature_agrees_with_mido_for_every_key():
    """Ebm has six flats, Abm seven: the export's key signature is mido's for all 30 keys."""
    from mido.midifiles.meta import _key_signature_decode

    from engine.jazz.export import key_signature_sharps

    for (sharps, _minor), name in _key_signature_decode.items():
        assert key_signature_sharps(name) == sharps, name
