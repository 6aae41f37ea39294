"""The audio preview player: honest about missing audio devices, real QMediaPlayer otherwise."""

from __future__ import annotations

import sys

import pytest

from engine.jazz.synth import Note, render, write_wav
from gui.audio_player import NO_DEVICE, AudioPlayer


@pytest.fixture
def wav(tmp_path):
    return write_wav(tmp_path / "preview.wav", render([Note(60, 0, 0.2), Note(64, 0.2, 0.2)], 0.4, tail=0.1))


def test_without_a_device_it_says_so(qtbot, wav):
    from PySide6.QtMultimedia import QMediaDevices

    player = AudioPlayer()
    ok, reason = player.availability()
    if QMediaDevices.audioOutputs():
        pytest.skip("this machine has an audio output")
    assert not ok and reason == NO_DEVICE
    with qtbot.waitSignal(player.error) as blocker:
        assert player.play(wav) is False
    assert "No audio output device" in blocker.args[0]
    assert not player.is_playing()


def test_plays_and_stops_with_the_real_player(qtbot, wav):
    player = AudioPlayer(require_device=False)  # plays silently when the machine has no sound card
    positions = []
    player.position_changed.connect(positions.append)
    with qtbot.waitSignal(player.playing_changed, timeout=5000) as started:
        assert player.play(wav)
    assert started.args == [True] and player.is_playing() and player.source == wav
    with qtbot.waitSignal(player.playing_changed, timeout=5000) as stopped:
        player.stop()
    assert stopped.args == [False] and not player.is_playing()
    # Played to the end, it stops by itself.
    with qtbot.waitSignals([player.playing_changed, player.playing_changed], timeout=8000):
        player.play(wav)
    assert not player.is_playing()
    assert positions and max(positions) > 0
    player.release()
    assert player.source is None


def test_missing_file_is_a_message(qtbot, tmp_path):
    player = AudioPlayer(require_device=False)
    with qtbot.waitSignal(player.error) as blocker:
        assert not player.play(tmp_path / "gone.wav")
    assert "missing" in blocker.args[0]


def test_missing_multimedia_library_is_a_message(qtbot, monkeypatch, wav):
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # as if libpulse were not installed
    player = AudioPlayer()
    ok, reason = player.availability()
    assert not ok and "Qt Multimedia could not load" in reason
    with qtbot.waitSignal(player.error):
        assert player.play(wav) is False
