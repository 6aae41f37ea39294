"""Reading MIDI into parts, picking the melody, and every kind of bad input."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import mido
import pytest
from jazz_helpers import II_V_I, block_chords, swing_melody, two_part_file, write_midi

from engine.jazz import (
    MidiReadError,
    NoMelodyError,
    build_corpus,
    default_piece,
    pick_melody,
    read_song,
)
from engine.jazz.midi_read import MAX_FILE_BYTES


def test_parts_of_a_two_track_file(tmp_path):
    song = read_song(two_part_file(tmp_path / "tune.mid", bars=8))
    assert song.midi_type == 1
    assert [p.name for p in song.parts] == ["Sax", "Comping"]
    sax, comp = song.parts
    assert (sax.index, sax.channel, sax.program, sax.is_drums) == (0, 0, 65, False)
    assert (comp.index, comp.channel, comp.program) == (1, 1, 0)
    assert sax.instrument == "Alto Sax" and comp.instrument == "Acoustic Grand Piano"
    assert sax.note_count == len(swing_melody(8)) and comp.note_count == 8 * 4
    melody_pitches = [p for _, _, p in swing_melody(8)]
    assert sax.pitch_range == (min(melody_pitches), max(melody_pitches))
    assert comp.pitch_range == (43, 62)
    assert sax.polyphony == 0.0 and sax.max_voices == 1
    assert comp.polyphony == pytest.approx(1.0) and comp.max_voices == 4
    assert song.tempo == pytest.approx(120.0) and str(song.time_signatures[0]) == "4/4"
    assert song.key == "C"
    assert pick_melody(song) == 0


def test_note_times_are_in_quarter_notes(tmp_path):
    song = read_song(two_part_file(tmp_path / "t.mid", bars=2))
    first = song.parts[0].notes[:3]
    assert [(n.start, n.end) for n in first] == [(0.0, 0.5), (0.5, 1.0), (1.0, 2.0)]
    assert song.length == 8.0  # the held chords end last


def test_length_is_where_the_last_note_stops(tmp_path):
    path = write_midi(tmp_path / "l.mid", [{"name": "A", "channel": 0, "program": 0, "notes": [(0, 10, 60), (1, 1, 62)]}])
    assert read_song(path).length == 10.0


def test_type_0_file_splits_channels_into_parts(tmp_path):
    path = write_midi(
        tmp_path / "type0.mid",
        [
            {"name": "", "channel": 0, "program": 11, "notes": swing_melody(4)},
            {"name": "", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 4)},
            {"name": "", "channel": 9, "program": None, "notes": [(b, 0.25, 36) for b in range(16)]},
        ],
        midi_type=0,
    )
    song = read_song(path)
    assert song.midi_type == 0
    assert [(p.channel, p.program, p.is_drums) for p in song.parts] == [(0, 11, False), (1, 0, False), (9, 0, True)]
    assert song.parts[0].name == "Vibraphone (channel 1)"
    assert song.parts[2].instrument == "Drums"
    assert pick_melody(song) == 0


def test_busiest_monophonic_part_in_melodic_range_is_the_melody(tmp_path):
    bass = [(b * 1.0, 1.0, 36 + (b % 5)) for b in range(64)]  # busier than the melody, but a bass
    path = write_midi(
        tmp_path / "band.mid",
        [
            {"name": "Chords", "channel": 0, "program": 0, "notes": block_chords(II_V_I, 16)},
            {"name": "Bass", "channel": 1, "program": 32, "notes": bass},
            {"name": "Lead", "channel": 2, "program": 56, "notes": swing_melody(16)},
            {"name": "Quiet", "channel": 3, "program": 73, "notes": swing_melody(2)},
        ],
    )
    song = read_song(path)
    assert pick_melody(song) == 2
    assert build_corpus(song).melody_index == 2
    assert build_corpus(song, melody=3).melody_index == 3  # the user's override


def test_override_must_name_a_pitched_part(tmp_path):
    path = write_midi(
        tmp_path / "d.mid",
        [
            {"name": "Lead", "channel": 0, "program": 56, "notes": swing_melody(4)},
            {"name": "Kit", "channel": 9, "program": None, "notes": [(b, 0.25, 38) for b in range(16)]},
        ],
    )
    song = read_song(path)
    with pytest.raises(NoMelodyError, match="drum part"):
        build_corpus(song, melody=1)
    with pytest.raises(MidiReadError, match="no part 7.*0 to 1"):
        build_corpus(song, melody=7)


# ---- bad input: each a clear message, never a crash ------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(MidiReadError, match="No such file"):
        read_song(tmp_path / "nope.mid")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(MidiReadError, match="is a folder"):
        read_song(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.mid").write_bytes(b"")
    with pytest.raises(MidiReadError, match="empty"):
        read_song(tmp_path / "empty.mid")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    began = time.perf_counter()
    with pytest.raises(MidiReadError, match="pipe .FIFO., not a MIDI file"):
        read_song(fifo)
    assert time.perf_counter() - began < 1.0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_a_device_not_an_empty_file():
    with pytest.raises(MidiReadError, match="is a device") as caught:
        read_song("/dev/zero")
    assert "empty" not in str(caught.value)


def test_a_tempo_of_zero_is_one_clear_message(tmp_path):
    path = two_part_file(tmp_path / "t.mid", bars=2)
    mid = mido.MidiFile(path)
    for msg in mid.tracks[0]:
        if msg.type == "set_tempo":
            msg.tempo = 0
    mid.save(tmp_path / "zero.mid")
    with pytest.raises(MidiReadError, match="tempo of 0") as caught:
        read_song(tmp_path / "zero.mid")
    assert "\n" not in str(caught.value)


def test_not_a_midi_file(tmp_path):
    (tmp_path / "song.mid").write_text("X: 1\nT: not midi but ABC notation\nK: C\nCDEF|\n")
    with pytest.raises(MidiReadError, match="not a MIDI file"):
        read_song(tmp_path / "song.mid")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated_file(tmp_path, keep):
    data = two_part_file(tmp_path / "whole.mid", bars=8).read_bytes()
    cut = tmp_path / "cut.mid"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(MidiReadError, match="truncated|damaged"):
        read_song(cut)


def test_damaged_header(tmp_path):
    data = bytearray(two_part_file(tmp_path / "whole.mid", bars=2).read_bytes())
    data[14:18] = b"XXXX"  # the first track chunk loses its MTrk tag
    (tmp_path / "bad.mid").write_bytes(bytes(data))
    with pytest.raises(MidiReadError):
        read_song(tmp_path / "bad.mid")


def test_file_over_10_mb_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.mid"
    with open(big, "wb") as fh:
        fh.write(b"MThd")
        fh.truncate(MAX_FILE_BYTES + 1)
    began = time.perf_counter()
    with pytest.raises(MidiReadError, match="10 MB"):
        read_song(big)
    assert time.perf_counter() - began < 0.5


def test_midi_without_notes(tmp_path):
    path = write_midi(tmp_path / "silent.mid", [{"name": "Nothing", "channel": 0, "program": 0, "notes": []}])
    with pytest.raises(MidiReadError, match="no notes"):
        read_song(path)


def test_drums_only(tmp_path):
    path = write_midi(
        tmp_path / "drums.mid", [{"name": "Kit", "channel": 9, "program": None, "notes": [(b, 0.5, 36) for b in range(8)]}]
    )
    with pytest.raises(NoMelodyError, match="only drum parts"):
        build_corpus(read_song(path))


def test_single_chord_track_and_no_melody(tmp_path):
    path = write_midi(tmp_path / "pads.mid", [{"name": "Pads", "channel": 0, "program": 89, "notes": block_chords(II_V_I, 8)}])
    song = read_song(path)
    with pytest.raises(NoMelodyError, match="single chord part.*no melody"):
        pick_melody(song)
    # asked for explicitly, its top voice is learnt over its own chords
    corpus = build_corpus(song, melody=0)
    assert corpus.harmony_from == "melody" and corpus.token_count > 0


def test_type_2_file_is_refused(tmp_path):
    path = two_part_file(tmp_path / "t.mid", bars=2)
    mid = mido.MidiFile(path)
    mid.type = 2
    mid.save(tmp_path / "t2.mid")
    with pytest.raises(MidiReadError, match="type 2"):
        read_song(tmp_path / "t2.mid")


def test_unreleased_notes_are_closed_with_a_warning(tmp_path):
    path = two_part_file(tmp_path / "t.mid", bars=2)
    mid = mido.MidiFile(path)
    track = mid.tracks[1]
    offs = [i for i, m in enumerate(track) if m.type == "note_off"]
    del track[offs[0]]  # the first note is never released
    mid.save(tmp_path / "held.mid")
    song = read_song(tmp_path / "held.mid")
    assert any("never released" in w for w in song.warnings)
    assert all(n.end > n.start for n in song.parts[0].notes)


# ---- meters and tempo changes ------------------------------------------------------------------------


@pytest.mark.parametrize(("num", "den", "length"), [(3, 4, 3.0), (6, 8, 3.0), (5, 4, 5.0), (7, 8, 3.5)])
def test_measures_follow_the_time_signature(tmp_path, num, den, length):
    song = read_song(two_part_file(tmp_path / "m.mid", bars=12, num=num, den=den))
    corpus = build_corpus(song)
    assert corpus.time_signature == (num, den)
    assert {m.length for m in corpus.measures} == {length}
    for m in corpus.measures:
        assert sum(t.duration for t in m.tokens) == pytest.approx(length)
        assert m.chord.symbol  # every measure has a chord
    starts = [m.start for m in corpus.measures]
    assert starts == [k * length for k in range(len(starts))]


def test_a_1_32_time_signature_stays_1_32(tmp_path):
    from engine.jazz.corpus import SourceInfo

    notes = [(k * 0.125, 0.125, 60 + k % 5) for k in range(64)]
    path = write_midi(
        tmp_path / "tiny.mid",
        [{"name": "Lead", "channel": 0, "program": 56, "notes": notes}],
        time_signatures=[(0.0, 1, 32)],
    )
    song = read_song(path)
    assert str(song.time_signatures[0]) == "1/32"
    corpus = build_corpus(song)
    assert corpus.time_signature == (1, 32)
    info = corpus.source_info()
    assert info.time_signature == (1, 32) and SourceInfo.from_json(info.to_json()).time_signature == (1, 32)
    assert sum(t.duration for m in corpus.measures for t in m.tokens) == pytest.approx(len(corpus.measures) * 0.125, abs=0.1)


def test_time_signature_change_mid_piece(tmp_path):
    melody = swing_melody(4) + [(16 + 3 * b + o, d, p) for b in range(4) for o, d, p in [(0, 1, 64), (1, 1, 67), (2, 1, 65)]]
    chords = block_chords(II_V_I, 4) + [(16 + 3 * b, 3, p) for b in range(4) for p in (48, 52, 55)]
    path = write_midi(
        tmp_path / "change.mid",
        [
            {"name": "Lead", "channel": 0, "program": 56, "notes": melody},
            {"name": "Keys", "channel": 1, "program": 0, "notes": chords},
        ],
        time_signatures=[(0.0, 4, 4), (16.0, 3, 4)],
    )
    song = read_song(path)
    corpus = build_corpus(song)
    assert [m.length for m in corpus.measures] == [4.0] * 4 + [3.0] * 4
    assert any("time signature changes" in w for w in song.warnings)


def test_tempo_changes_do_not_move_notes(tmp_path):
    steady = read_song(two_part_file(tmp_path / "a.mid", bars=8))
    changing = read_song(two_part_file(tmp_path / "b.mid", bars=8, tempos=[(0.0, 100.0), (8.0, 140.0), (20.0, 90.0)]))
    assert [t.bpm for t in changing.tempos] == pytest.approx([100.0, 140.0, 90.0], abs=1e-3)
    assert [t.start for t in changing.tempos] == [0.0, 8.0, 20.0]
    assert changing.tempo == pytest.approx(100.0)
    assert any("tempo changes" in w for w in changing.warnings)
    assert changing.parts[0].notes == steady.parts[0].notes
    assert build_corpus(changing).tokens == build_corpus(steady).tokens


# ---- the bundled piece and the course file ---------------------------------------------------------------


def test_bundled_piece():
    song = read_song(default_piece())
    assert [p.name for p in song.parts] == ["Melody", "Chords"]
    assert str(song.time_signatures[0]) == "4/4" and len(song.time_signatures) == 1
    corpus = build_corpus(song)
    assert corpus.melody_index == 0 and len(corpus.measures) >= 32
    symbols = [m.chord.symbol for m in corpus.measures]
    assert symbols[:12] == ["F7", "Bb7", "F7", "F7", "Bb7", "Bb7", "F7", "D7", "Gm7", "C7", "F7", "C7"]
    assert {"Gm7", "C7", "Fmaj7", "Cm7", "Bbmaj7", "Bbm7", "Eb7", "Abmaj7"} <= set(symbols)


@pytest.mark.shared_data
def test_metheny_parts_and_corpus(shared_data):
    began = time.perf_counter()
    song = read_song(shared_data / "original_metheny.mid")
    corpus = build_corpus(song)
    seconds = time.perf_counter() - began
    assert len(song.parts) == 19 and sum(p.is_drums for p in song.parts) == 9
    assert song.parts[corpus.melody_index].name == "Guitar"
    assert song.key == "G" and song.tempo == pytest.approx(112.0, abs=0.01)
    assert corpus.token_count > 1000 and 50 < corpus.vocab_size < 400
    assert seconds < 6.0, seconds  # < 2 s on a quiet machine (benchmarks/jazz_bench.py); generous here


def test_importing_the_engine_loads_neither_tensorflow_nor_music21():
    import subprocess

    code = "import sys, engine.jazz; print('tensorflow' in sys.modules, 'music21' in sys.modules, 'keras' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.split() == ["False", "False", "False"]


@pytest.mark.parametrize(("num", "den"), [(4, 64), (64, 4)])
def test_a_meter_beyond_32_is_one_clear_message(tmp_path, num, den):
    path = two_part_file(tmp_path / "odd.mid", bars=2, num=num, den=den)
    with pytest.raises(MidiReadError, match=f"time signature of {num}/{den}.*1 to 32"):
        read_song(path)
