"""MIDI export: read every written file back with mido (and music21) and check what a DAW needs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import mido
import pytest
from jazz_helpers import tiny_model

from engine.jazz import ExportOptions, JazzError, check_midi, export_midi, generate, parse_chord_symbols
from engine.jazz.generate import Improvisation
from engine.jazz.midi_read import Note


def walk(path):
    """Everything the tests assert, gathered with mido alone."""
    mid = mido.MidiFile(path)
    info = {"type": mid.type, "tpb": mid.ticks_per_beat, "tracks": [], "seconds": mid.length}
    for track in mid.tracks:
        tick, sounding, problems = 0, defaultdict(int), []
        t = {"name": track.name, "channels": set(), "programs": [], "meta0": {}, "ons": [], "last": track[-1].type}
        for msg in track:
            tick += msg.time
            if msg.is_meta and tick == 0 and msg.type in ("set_tempo", "time_signature", "key_signature"):
                t["meta0"][msg.type] = msg
            if msg.type == "program_change":
                t["programs"].append((tick, msg.channel, msg.program))
            if msg.type == "note_on" and msg.velocity > 0:
                t["channels"].add(msg.channel)
                if sounding[(msg.channel, msg.note)]:
                    problems.append(("overlap", tick, msg.note))
                sounding[(msg.channel, msg.note)] += 1
                t["ons"].append((tick, msg.note))
            elif msg.type in ("note_off", "note_on"):
                assert sounding[(msg.channel, msg.note)] > 0, "note-off without a note-on"
                sounding[(msg.channel, msg.note)] -= 1
        t["unclosed"] = sum(sounding.values())
        t["problems"] = problems
        t["ticks"] = tick  # the sum of the delta times: where the track ends
        info["tracks"].append(t)
    return info


def improvisation(time_signature=(4, 4), chords="Dm7 G7 Cmaj7 A7", tempo=120.0, key=None):
    num, den = time_signature
    size = num * 4 / den
    melody = []
    for bar in range(4):
        for k, pitch in enumerate([62, 65, 65, 69, 67]):  # repeated F: same pitch back to back
            start = bar * size + k * 0.5
            melody.append(Note(start, start + 0.5, pitch, 96))
    return Improvisation(
        melody=tuple(melody),
        changes=tuple((c,) for c in parse_chord_symbols(chords)),
        tokens=(),
        time_signature=time_signature,
        tempo=tempo,
        key=key,
        swing=1.0,
        seed=0,
        originality=1.0,
    )


def test_export_defaults(tmp_path):
    improv = improvisation(key="C")
    path = export_midi(improv, tmp_path / "solo.mid")
    info = walk(path)
    assert info["type"] == 1 and len(info["tracks"]) == 3
    conductor, melody, chords = info["tracks"]
    assert mido.tempo2bpm(conductor["meta0"]["set_tempo"].tempo) == pytest.approx(120.0, abs=0.01)
    ts = conductor["meta0"]["time_signature"]
    assert (ts.numerator, ts.denominator) == (4, 4)
    assert conductor["meta0"]["key_signature"].key == "C"
    assert (melody["name"], chords["name"]) == ("Melody", "Chords")
    assert melody["channels"] == {0} and chords["channels"] == {1}
    assert melody["programs"][0][::2] == (0, 26) and chords["programs"][0][::2] == (0, 0)
    assert all(prog == 26 for _, _, prog in melody["programs"]) and all(prog == 0 for _, _, prog in chords["programs"])
    for t in info["tracks"]:
        assert t["last"] == "end_of_track" and t["unclosed"] == 0 and t["problems"] == []
    tpb = info["tpb"]
    assert [(tick / tpb, note) for tick, note in melody["ons"]] == [(n.start, n.pitch) for n in improv.melody]
    assert sorted((tick / tpb, note) for tick, note in chords["ons"]) == sorted(
        (n.start, n.pitch) for n in improv.chord_notes()
    )
    assert check_midi(path).ok


def assert_ends_with_the_last_measure(info, improv, bpm):
    """Every track ends exactly at the end of the last measure: no empty beat a DAW would show."""
    num, den = improv.time_signature
    ticks_per_measure = info["tpb"] * num * 4 // den
    assert [t["ticks"] for t in info["tracks"]] == [improv.measures * ticks_per_measure] * len(info["tracks"])
    assert info["seconds"] == pytest.approx(improv.measures * num * 4 / den * 60 / bpm, rel=1e-5)  # whole µs/beat


@pytest.mark.parametrize(("meter", "bpm"), [((4, 4), 120.0), ((3, 4), 96.0), ((6, 8), 144.5), ((5, 4), 60.0)])
def test_export_is_exactly_the_measures_long(tmp_path, meter, bpm):
    improv = improvisation(time_signature=meter)  # the melody rests at the end of every measure
    path = export_midi(improv, tmp_path / "len.mid", ExportOptions(tempo=bpm))
    assert_ends_with_the_last_measure(walk(path), improv, bpm)


def test_export_user_choices_and_other_meters(tmp_path):
    improv = improvisation(time_signature=(6, 8), chords="Bb7 Eb7", tempo=90.0)
    options = ExportOptions(
        tempo=144.5, melody_program=11, chord_program=4, melody_channel=2, chord_channel=5, key="Bb",
        melody_name="Vibes", chord_name="Rhodes",
    )  # fmt: skip
    info = walk(export_midi(improv, tmp_path / "x.mid", options))
    conductor, melody, chords = info["tracks"]
    assert mido.tempo2bpm(conductor["meta0"]["set_tempo"].tempo) == pytest.approx(144.5, abs=0.01)
    ts = conductor["meta0"]["time_signature"]
    assert (ts.numerator, ts.denominator) == (6, 8)
    assert conductor["meta0"]["key_signature"].key == "Bb"
    assert (melody["name"], chords["name"]) == ("Vibes", "Rhodes")
    assert melody["channels"] == {2} and chords["channels"] == {5}
    assert {p for _, _, p in melody["programs"]} == {11} and {p for _, _, p in chords["programs"]} == {4}
    # two chords under a four-measure melody: the piece lasts to the end of the melody's last measure
    assert [t["ticks"] for t in info["tracks"]] == [4 * 3 * info["tpb"]] * 3


def test_key_is_estimated_when_unknown(tmp_path):
    improv = improvisation(chords="Bb7 Eb7 F7 Bb7")
    improv = replace(improv, melody=tuple(Note(n.start, n.end, n.pitch - 2, 96) for n in improv.melody))
    key = walk(export_midi(improv, tmp_path / "k.mid"))["tracks"][0]["meta0"]["key_signature"].key
    assert key in ("Bb", "Eb", "Gm", "Cm", "F")  # flat keys; music21's key finder decides


def test_music21_reads_the_file_back(tmp_path):
    from music21 import converter, meter, tempo

    improv = improvisation(time_signature=(3, 4))
    score = converter.parse(export_midi(improv, tmp_path / "m.mid"))
    assert len(score.parts) == 2
    melody_part, chord_part = score.parts
    assert len(melody_part.recurse().notes) == len(improv.melody)
    assert len(chord_part.recurse().getElementsByClass("Chord")) == improv.measures
    assert score.recurse().getElementsByClass(meter.TimeSignature)[0].ratioString == "3/4"
    assert score.recurse().getElementsByClass(tempo.MetronomeMark)[0].number == pytest.approx(120.0)


@pytest.mark.tf
def test_generated_variations_export_cleanly(tmp_path):
    model = tiny_model()
    for improv in generate(model, measures=16, temperature=1.2, seed=3, variations=2):
        path = export_midi(improv, tmp_path / f"v{improv.variation}.mid")
        info = walk(path)
        conductor, melody, chords = info["tracks"]
        assert mido.tempo2bpm(conductor["meta0"]["set_tempo"].tempo) == pytest.approx(132.0, abs=0.01)
        assert conductor["meta0"]["key_signature"].key == "F"
        assert len(melody["ons"]) == len(improv.melody)
        assert_ends_with_the_last_measure(info, improv, 132.0)
        for t in info["tracks"]:
            assert t["last"] == "end_of_track" and t["unclosed"] == 0 and t["problems"] == []
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left


@pytest.mark.parametrize(
    "options",
    [
        ExportOptions(tempo=5),
        ExportOptions(melody_program=128),
        ExportOptions(chord_channel=9),
        ExportOptions(melody_channel=3, chord_channel=3),
        ExportOptions(key="H"),
    ],
)
def test_bad_options_write_nothing(tmp_path, options):
    target = tmp_path / "keep.mid"
    target.write_bytes(b"old")
    with pytest.raises(JazzError):
        export_midi(improvisation(), target, options)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mid"]


def test_check_midi_finds_problems(tmp_path):
    mid = mido.MidiFile(type=1)
    track = mido.MidiTrack()
    track.append(mido.Message("note_on", note=60, velocity=80, time=0))
    track.append(mido.Message("note_on", note=60, velocity=80, time=10))  # again, while sounding
    track.append(mido.Message("note_off", note=60, velocity=0, time=10))
    mid.tracks.append(track)
    mid.save(tmp_path / "bad.mid")
    report = check_midi(tmp_path / "bad.mid")
    assert not report.ok
    text = " ".join(report.problems)
    assert "overlaps 1" in text and "leaves 1" in text


def test_long_gaps_are_encoded_as_mido_reads_them(tmp_path):
    """Delta times of one to four bytes (up to 2**21 ticks and past it) read back exactly."""
    from engine.jazz.band import Arrangement, Track
    from engine.jazz.export import write_arrangement
    from engine.jobs import run_job

    starts = [0.0, 0.25, 300.0, 40_000.0, 40_001.0]  # gaps of 120, ~2**17 and ~2**24 ticks
    notes = tuple(Note(s, s + 0.5, 60 + k, 90) for k, s in enumerate(starts))
    arrangement = Arrangement((Track("melody", "Melody", 0, 0, notes),), (4, 4), 120.0, None, 10_001, "none", 1.0)
    path = run_job(write_arrangement(arrangement, tmp_path / "gaps.mid"))
    info = walk(path)
    assert [(tick / info["tpb"], note) for tick, note in info["tracks"][1]["ons"]] == [(s, 60 + k) for k, s in enumerate(starts)]
    assert info["tracks"][1]["ticks"] == 10_001 * 4 * info["tpb"]


def test_overlapping_notes_are_refused_before_anything_is_written(tmp_path):
    from engine.jazz.band import Arrangement, Track
    from engine.jazz.export import write_arrangement
    from engine.jobs import run_job

    notes = (Note(0.0, 2.0, 60, 90), Note(1.0, 3.0, 60, 90))  # the same pitch struck while it sounds
    arrangement = Arrangement((Track("melody", "Melody", 0, 0, notes),), (4, 4), 120.0, None, 1, "none", 1.0)
    with pytest.raises(JazzError, match="overlaps"):
        run_job(write_arrangement(arrangement, tmp_path / "bad.mid"))
    assert not (tmp_path / "bad.mid").exists()
