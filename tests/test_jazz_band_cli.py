"""``jazz generate`` with a band, lead sheets and WAV; ``jazz train``/``parts`` on lead sheets."""

from __future__ import annotations

import mido
import pytest
from jazz_helpers import tiny_model

from cli import main
from engine.jazz.band.checks import read_tracks
from engine.jazz.leadsheet import read_lead_sheet

ABC = """X:1
T:Test
M:4/4
L:1/8
Q:1/4=120
K:F
"Gm7"G2 B2 "C7"c2 e2 | "Fmaj7"f4 a4 | "D7"f2 d2 c2 A2 | "Gm7"G2 "C7"c2 z4 |
"""


def run(capsys, *argv):
    status = main(["jazz", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from engine.jazz import save_model

    folder = tmp_path_factory.mktemp("band") / "model"
    save_model(tiny_model(), folder)
    return folder


@pytest.mark.tf
def test_generate_with_a_band_in_a_style(capsys, tmp_path, model_dir):
    out = tmp_path / "solo.mid"
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--measures", "8",
                         "--seed", "1", "--style", "bossa", "--chords", "| Dm7 G7 | Cmaj7 | % | A7 |")
    assert status == 0, err
    tracks = read_tracks(out)
    assert list(tracks) == ["Melody", "Bass", "Comping", "Drums"]
    assert tracks["Comping"].program == 24 and {n[3] for n in tracks["Drums"].notes} == {9}
    bass_at = {round(s, 3): p % 12 for s, _, p, _ in tracks["Bass"].notes}
    assert (bass_at[0.0], bass_at[2.0], bass_at[4.0]) == (2, 7, 0)  # D, G (mid-bar), C: the typed bars


@pytest.mark.tf
def test_tracks_and_style_none(capsys, tmp_path, model_dir):
    out = tmp_path / "two.mid"
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--measures", "4",
                         "--tracks", "melody,drums")
    assert status == 0, err
    assert [t.name for t in mido.MidiFile(out).tracks[1:]] == ["Melody", "Drums"]
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--measures", "4",
                         "--style", "none")
    assert status == 0, err
    assert [t.name for t in mido.MidiFile(out).tracks[1:]] == ["Melody", "Chords"]
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--chords", "| % | C |")
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.tf
@pytest.mark.parametrize("suffix", [".musicxml", ".mxl"])
def test_generate_writes_a_lead_sheet_by_extension(capsys, tmp_path, model_dir, suffix):
    out = tmp_path / f"solo{suffix}"
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--measures", "4",
                         "--chords", "| Dm7 G7 | Cmaj7 |", "--seed", "2")
    assert status == 0, err
    sheet = read_lead_sheet(out)
    assert [[c.symbol for c in bar] for bar in sheet.changes] == [["Dm7", "G7"], ["Cmaj7"]] * 2
    assert len(sheet.lead.melody) > 4


@pytest.mark.tf
def test_generate_renders_a_wav(capsys, tmp_path, model_dir):
    from engine.jazz.synth import read_wav

    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(tmp_path / "s.mid"),
                         "--measures", "4", "--tempo", "120", "--wav", str(tmp_path / "s.wav"))
    assert status == 0, err
    audio, rate = read_wav(tmp_path / "s.wav")
    assert audio.shape[0] == round((4 * 2.0 + 1.0) * rate) and "wrote" in err


def test_parts_and_train_read_lead_sheets(capsys, tmp_path):
    path = tmp_path / "tune.abc"
    path.write_text(ABC)
    status, out, _ = run(capsys, "parts", "--midi", str(path))
    assert status == 0 and "Melody" in out and "Chords" in out and "<- melody" in out
    status, _, err = run(capsys, "train", "--midi", str(path))  # four bars: too short, said before TensorFlow
    assert status == 2 and "tokens" in err
    (tmp_path / "junk.musicxml").write_text("<nope")
    status, _, err = run(capsys, "parts", "--midi", str(tmp_path / "junk.musicxml"))
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.tf
def test_a_lead_sheet_is_a_chord_source(capsys, tmp_path, model_dir):
    sheet = tmp_path / "tune.abc"
    sheet.write_text(ABC)
    out = tmp_path / "over.mid"
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--measures", "4",
                         "--chords", str(sheet), "--seed", "3")
    assert status == 0, err
    bass_at = {round(s, 3): p % 12 for s, _, p, _ in read_tracks(out)["Bass"].notes}
    assert [bass_at[t] for t in (0.0, 2.0, 4.0, 8.0, 12.0, 13.0)] == [7, 0, 5, 2, 7, 0]  # Gm7 C7 | F | D7 | Gm7 C7
    bare = tmp_path / "bare.abc"
    bare.write_text(ABC.replace('"Gm7"', "").replace('"C7"', "").replace('"Fmaj7"', "").replace('"D7"', ""))
    status, _, err = run(capsys, "generate", "--model", str(model_dir), "--out", str(out), "--chords", str(bare))
    assert status == 2 and "no chord symbols" in err and err.count("\n") == 1
