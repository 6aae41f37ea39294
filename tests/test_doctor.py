"""``sequence-studio doctor``: each check reports, a broken library fails the command with its message,
and having no MIDI port or audio device is reported, not a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import doctor, main
from engine.midi_ports import PortListing

ROOT = Path(__file__).resolve().parent.parent


def test_a_broken_library_fails_with_its_own_message(monkeypatch, capsys):
    def broken() -> str:
        raise ImportError("libfoo.so: cannot open shared object file")

    monkeypatch.setitem(doctor.CHECKS, "tensorflow", broken)
    status = main(["doctor", "--only", "tensorflow"])
    out, err = capsys.readouterr()
    assert status == 1
    assert "FAIL" in out and "ImportError: libfoo.so: cannot open shared object file" in out
    assert err.strip() == "error: tensorflow did not work"


def test_json_output_lists_every_check_asked_for(monkeypatch, capsys):
    monkeypatch.setitem(doctor.CHECKS, "keras", lambda: "Keras 9")
    monkeypatch.setitem(doctor.CHECKS, "music21", lambda: "music21 9")
    assert main(["doctor", "--only", "keras", "music21", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["frozen"] is False
    assert [(c["name"], c["ok"], c["detail"]) for c in report["checks"]] == [
        ("keras", True, "Keras 9"), ("music21", True, "music21 9")]


def test_no_midi_ports_is_reported_not_failed(monkeypatch):
    import engine.midi_ports

    monkeypatch.setattr(engine.midi_ports, "list_output_ports", lambda: PortListing([], "No MIDI ports: do this."))
    [result] = doctor.run_checks(["midi"])
    assert result.ok and result.detail == "No MIDI ports: do this."


def test_midi_ports_are_listed(monkeypatch):
    import engine.midi_ports

    monkeypatch.setattr(engine.midi_ports, "list_output_ports", lambda: PortListing(["Synth A", "Synth B"], ""))
    [result] = doctor.run_checks(["midi"])
    assert result.ok and result.detail == "output ports: Synth A, Synth B"


def test_unknown_check_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--only", "nothing"])
    assert exc.value.code == 2


def test_music21_and_audio_checks_really_run():
    """In a child process, so that music21 and Qt Multimedia stay out of this one (other tests check that)."""
    result = subprocess.run([sys.executable, "main.py", "doctor", "--only", "music21", "audio", "--json"], cwd=ROOT,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout.strip().splitlines()[-1])["checks"]}
    assert checks["music21"]["ok"] and checks["music21"]["detail"].startswith("music21 ")
    assert checks["audio"]["ok"] and "decodes WAV" in checks["audio"]["detail"]
