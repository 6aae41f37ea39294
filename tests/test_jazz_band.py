"""The rhythm section, judged on the MIDI files it writes (read back with mido and music21)."""

from __future__ import annotations

import mido
import pytest

from engine.jazz import ChordSymbolError, JazzError
from engine.jazz.band import STYLES, arrange
from engine.jazz.band.checks import measure_band, read_tracks
from engine.jazz.band.comping import guide_tones
from engine.jazz.band.styles import RIDE
from engine.jazz.export import ExportOptions, export_midi
from engine.jazz.harmony import chord_at, parse_changes
from engine.jazz.leadsheet import Lead
from engine.jazz.midi_read import Note

II_V_I = "| Dm7 | G7 | Cmaj7 | Cmaj7 |"
TUNE = "| Fmaj7 | Bb7 | Am7b5 D7b9 | Gm7 C7 | F6 | Dm | G7sus4 | C7 |"


def lead(text=II_V_I, meter=(4, 4), repeats=4, swing=1.0, seed=0) -> Lead:
    changes = tuple(tuple(bar) for bar in parse_changes(text)) * repeats
    size = meter[0] * 4 / meter[1]
    melody = tuple(Note(k * 0.5, k * 0.5 + 0.45, 62 + (k * 5) % 14) for k in range(int(len(changes) * size * 2)))
    return Lead(melody, changes, meter, 132.0, "C", swing, seed)


def figures(tmp_path, the_lead, **options):
    path = export_midi(the_lead, tmp_path / "band.mid", ExportOptions(**options))
    return path, measure_band(path, the_lead.changes, the_lead.measure_length, the_lead.measures)


# ---------------------------------------------------------------- typed changes


def test_parse_changes_reads_bars_repeats_and_slashes():
    bars = parse_changes("|: Dm7 G7 | Cmaj7 | % || C / / A7 :|")
    assert [[c.symbol for c in bar] for bar in bars] == [["Dm7", "G7"], ["Cmaj7"], ["Cmaj7"], ["C", "C", "C", "A7"]]
    assert [[c.symbol for c in bar] for bar in parse_changes("Dm7 G7 % Cmaj7")] == [["Dm7"], ["G7"], ["G7"], ["Cmaj7"]]


@pytest.mark.parametrize("text", ["| % | C |", "| / C |", "| C % |", "| Dm7 | Xq9 |", "| |", ""])
def test_bad_changes_are_one_sentence(text):
    with pytest.raises(ChordSymbolError) as info:
        parse_changes(text)
    assert "\n" not in str(info.value) and str(info.value).endswith((".", ")."))


def test_chord_at_splits_bars_evenly_and_loops():
    changes = parse_changes("| Dm7 G7 | Cmaj7 |")
    assert [chord_at(changes, 4.0, t).symbol for t in (0.0, 1.99, 2.0, 3.99, 4.0, 7.5, 8.0, 10.0)] == [
        "Dm7", "Dm7", "G7", "G7", "Cmaj7", "Cmaj7", "Dm7", "G7"]
    three = parse_changes("| Cm7 F7 Bb6 |")
    assert [chord_at(three, 3.0, t).symbol for t in (0.5, 1.0, 2.5)] == ["Cm7", "F7", "Bb6"]


# ---------------------------------------------------------------- the musical properties


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize(("text", "meter"), [(II_V_I, (4, 4)), (TUNE, (4, 4)), (TUNE, (3, 4)), (II_V_I, (5, 4))])
def test_bass_comping_and_drums_on_the_written_file(tmp_path, style, text, meter):
    the_lead = lead(text, meter)
    _, f = figures(tmp_path, the_lead, style=style)
    assert f.bass_on_roots >= 0.9
    assert f.bass_approaches >= 0.7
    assert 28 <= f.bass_range[0] and f.bass_range[1] <= 55  # E1..G3
    assert f.guide_tone_share >= 0.9
    assert f.top_voice_motion <= 3.0
    assert f.drum_channels == {9} and f.other_on_drum_channel == 0


@pytest.mark.parametrize(("style", "options", "lead_swing", "expected"), [
    ("swing", {}, 1.0, 2.0),  # the style's triplet feel
    ("swing", {"swing": 1.5}, 1.0, 1.5),  # the user's ratio
    ("ballad", {}, 2.5, 2.5),  # the improvisation's own
    ("straight", {"swing": 2.0}, 2.0, 1.0),  # a straight style stays straight
])
def test_ride_eighths_are_long_short_in_the_chosen_ratio(tmp_path, style, options, lead_swing, expected):
    _, f = figures(tmp_path, lead(TUNE, swing=lead_swing), style=style, **options)
    assert f.ride_ratio == pytest.approx(expected, rel=0.05)


def test_swing_drums_pedal_the_hi_hat_on_two_and_four(tmp_path):
    path, _ = figures(tmp_path, lead(), style="swing")
    drums = read_tracks(path)["Drums"].notes
    pedal = sorted({s % 4 for s, _, p, _ in drums if p == 44})
    assert pedal == [1.0, 3.0]
    assert sum(1 for _, _, p, _ in drums if p == RIDE) >= 5 * 16  # the ride plays through every bar


def test_bossa_plays_straight_eighths_on_the_hi_hat(tmp_path):
    path, _ = figures(tmp_path, lead(), style="bossa")
    hats = sorted({round(s, 6) for s, _, p, _ in read_tracks(path)["Drums"].notes if p == 42})
    assert {round(b - a, 6) for a, b in zip(hats, hats[1:], strict=False)} == {0.5}


def test_comping_plays_figures_not_bar_long_blocks(tmp_path):
    the_lead = lead(TUNE)
    path, _ = figures(tmp_path, the_lead, style="swing")
    comping = read_tracks(path)["Comping"].notes
    assert max(e - s for s, e, _, _ in comping) < 4.0  # held, but in figures: never a whole-bar block
    onsets = sorted({round(s, 6) for s, _, _, _ in comping})
    off_beats = [t for t in onsets if abs(t - round(t)) > 0.1]
    assert len(off_beats) >= len(onsets) // 4  # Charleston "and of 2"s and anticipations
    # an anticipation: a hit just before a chord change already sounding the next chord's guide tones
    pushed = 0
    for t in off_beats:
        now, soon = chord_at(the_lead.changes, 4.0, t), chord_at(the_lead.changes, 4.0, t + 0.5)
        pcs = {p % 12 for s, _, p, _ in comping if round(s, 6) == t}
        pushed += now != soon and ((soon.root + 10) % 12 in pcs or (soon.root + 11) % 12 in pcs)
    assert pushed >= 2


@pytest.mark.parametrize("style", list(STYLES))
def test_comping_holds_the_harmony_through_the_bar(tmp_path, style):
    # a comper sustains: at almost every beat a voicing sounds, and it is the voicing of the chord sounding then
    the_lead = lead(TUNE, repeats=2)
    path, _ = figures(tmp_path, the_lead, style=style)
    comping = read_tracks(path)["Comping"].notes
    beats = range(the_lead.measures * 4)
    sounding = {b: {p % 12 for s, e, p, _ in comping if s <= b + 1e-6 < e} for b in beats}
    assert sum(bool(pcs) for pcs in sounding.values()) >= 0.85 * len(beats)
    for b, pcs in sounding.items():
        if pcs:
            chord = chord_at(the_lead.changes, 4.0, b)
            assert (chord.root + guide_tones(chord)[0]) % 12 in pcs, (b, chord.symbol)


def test_an_anticipation_is_tied_over_the_barline(tmp_path):
    # a hit on the and of 4 that plays the next bar's chord is not struck again on the downbeat
    path, _ = figures(tmp_path, lead(TUNE), style="swing")
    onsets = sorted({round(s, 6) for s, _, _, _ in read_tracks(path)["Comping"].notes})
    pushes = [t for t in onsets if (t % 4) > 3.5]
    assert pushes
    assert not [t for t in pushes if round(t + 1 / 3, 6) in onsets]


@pytest.mark.parametrize("seed", range(4))
def test_an_anticipation_lasts_as_long_as_the_hit_it_replaces(tmp_path, seed):
    # a held whole note anticipated on the and of 4 is still held: no beat falls silent before the next hit
    path, _ = figures(tmp_path, lead(TUNE, seed=seed), style="swing")
    comping = read_tracks(path)["Comping"].notes
    onsets = sorted({round(s, 6) for s, _, _, _ in comping})
    for push, following in zip(onsets, onsets[1:], strict=False):
        if push % 4 > 3.5:
            for beat in range(int(push) + 1, int(following - 1e-6) + 1):
                assert any(s <= beat < e for s, e, _, _ in comping), (push, beat)


def test_four_named_tracks_with_programs_read_alike_by_mido_and_music21(tmp_path):
    from music21 import converter

    the_lead = lead(TUNE, repeats=1)
    path = export_midi(the_lead, tmp_path / "band.mid", ExportOptions(style="bossa", melody_program=65))
    mid = mido.MidiFile(path)
    assert mid.type == 1
    names = [t.name for t in mid.tracks[1:]]
    assert names == ["Melody", "Bass", "Comping", "Drums"]
    tracks = read_tracks(path)
    assert [tracks[n].program for n in names] == [65, 32, 24, 0]
    assert {n[3] for n in tracks["Drums"].notes} == {9} and {n[3] for n in tracks["Bass"].notes} == {2}
    ends = [sum(m.time for m in t) for t in mid.tracks]
    assert ends == [the_lead.measures * 4 * mid.ticks_per_beat] * 5
    score = converter.parse(path)
    assert len(score.parts) == 4
    for part, name in zip(score.parts, names, strict=True):
        if name == "Drums":  # music21 reads channel 10 as unpitched percussion: compare the hits' times
            ours = sorted(round(s, 4) for s, _, _, _ in tracks[name].notes)
            theirs = sorted(round(float(n.offset), 4) for n in part.stripTies().flatten().notes
                            for _ in (n.notes if hasattr(n, "notes") else [n]))
        else:
            ours = sorted((round(s, 4), p) for s, _, p, _ in tracks[name].notes)
            theirs = sorted((round(float(n.offset), 4), p.midi) for n in part.stripTies().flatten().notes for p in n.pitches)
        assert theirs == ours, name


def test_tracks_are_the_users_choice(tmp_path):
    path = export_midi(lead(), tmp_path / "two.mid", ExportOptions(style="swing", tracks="drums,melody"))
    assert [t.name for t in mido.MidiFile(path).tracks[1:]] == ["Melody", "Drums"]


def test_same_seed_same_band_and_parts_are_independent(tmp_path):
    a = export_midi(lead(seed=5), tmp_path / "a.mid", ExportOptions(style="swing"))
    b = export_midi(lead(seed=5), tmp_path / "b.mid", ExportOptions(style="swing"))
    c = export_midi(lead(seed=6), tmp_path / "c.mid", ExportOptions(style="swing"))
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()
    full = arrange(lead(seed=5), "swing")
    alone = arrange(lead(seed=5), "swing", tracks="comping")
    assert alone.track("comping").notes == full.track("comping").notes


@pytest.mark.parametrize(("options", "words"), [
    ({"style": "polka"}, "not a style"),
    ({"style": "swing", "tracks": "melody,tuba"}, "tuba"),
    ({"style": "swing", "bass_channel": 0}, "bass"),
    ({"style": "swing", "swing": 9.0}, "swing ratio"),
    ({"style": "none", "tracks": "bass,drums"}, "only the melody and the chords"),
])
def test_bad_band_options_are_one_sentence(tmp_path, options, words):
    with pytest.raises(JazzError, match=words) as info:
        export_midi(lead(), tmp_path / "x.mid", ExportOptions(**options))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "x.mid").exists()


def test_long_export_is_whole_and_checked(tmp_path):
    the_lead = lead(TUNE, repeats=100)  # 800 measures
    path = export_midi(the_lead, tmp_path / "long.mid", ExportOptions(style="swing"))
    mid = mido.MidiFile(path)
    assert all(sum(m.time for m in t) == 800 * 4 * mid.ticks_per_beat for t in mid.tracks)


# ---------------------------------------------------------------- real tunes


def _lead_of(song) -> Lead:
    from engine.jazz import build_corpus

    corpus = build_corpus(song)
    chords, last = [], None
    for m in corpus.measures:
        last = m.chord or last
        chords.append(last)
    first = next(c for c in chords if c is not None)
    changes = tuple(((c or first),) for c in chords)
    num, den = corpus.time_signature
    return Lead(tuple(corpus.melody_notes), changes, (num, den), song.tempo, song.key, 1.0, 0)


def test_the_bundled_piece(tmp_path):
    from engine.jazz import default_piece, read_song

    the_lead = _lead_of(read_song(default_piece()))
    _, f = figures(tmp_path, the_lead, style="swing")
    assert f.bass_on_roots >= 0.9 and f.bass_approaches >= 0.7
    assert f.guide_tone_share >= 0.9 and f.top_voice_motion <= 3.0
    assert f.ride_ratio == pytest.approx(2.0, rel=0.05)


def test_metheny(tmp_path, shared_data):
    from engine.jazz import read_song

    the_lead = _lead_of(read_song(shared_data / "original_metheny.mid"))
    _, f = figures(tmp_path, the_lead, style="swing")
    assert f.bass_on_roots >= 0.9 and f.bass_approaches >= 0.7
    assert f.guide_tone_share >= 0.9 and f.top_voice_motion <= 3.0


def test_the_styles_use_the_general_midi_sounds_they_name():
    from engine.jazz.band import styles
    from engine.jazz.gm import drum_name

    named = {"KICK": "Bass Drum 1", "SIDE_STICK": "Side Stick", "SNARE": "Acoustic Snare",
             "CLOSED_HAT": "Closed Hi-Hat", "PEDAL_HAT": "Pedal Hi-Hat", "RIDE": "Ride Cymbal 1"}
    assert {name: drum_name(getattr(styles, name)) for name in named} == named
    for style in STYLES.values():  # every cell fits its length, every figure has a weight
        assert all(0 <= onset < style.drum_cell_beats for _, onset, _ in style.drum_cell)
        assert all(0 <= onset < style.comp_cell_beats for f in style.comp_figures for onset, _, _ in f)
        assert len(style.comp_figures) == len(style.comp_weights) and len(style.bass_cell) == len(style.bass_roles)
