"""MIDI output ports: honest listing on a machine without MIDI, real-time playing that stops cleanly."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mido
import pytest

from engine import midi_ports
from engine.jazz.synth import Note
from engine.midi_ports import MidiPortError, PortListing, list_output_ports, play_to_port, schedule


class FakePort:
    """Records what was sent, and when, like a synthesizer listening on a port."""

    def __init__(self, clock=time.monotonic):
        self.sent: list[tuple[float, mido.Message]] = []
        self.closed = False
        self._clock = clock

    def send(self, msg):
        assert not self.closed, "sent to a closed port"
        self.sent.append((self._clock(), msg))

    def close(self):
        self.closed = True


class FakeClock:
    """Time that passes only when the job sleeps: fast, exact tests."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_listing_on_this_machine_is_names_or_a_reason():
    listing = list_output_ports()
    assert isinstance(listing, PortListing)
    if listing.names:
        assert listing.reason == "" and bool(listing)
    else:
        assert len(listing.reason) > 20 and not listing
    if sys.platform.startswith("linux") and not Path("/dev/snd/seq").exists():
        # rtmidi raises an OSError subclass here; we turn it into a sentence.
        assert listing.names == [] and "ALSA" in listing.reason


class _Backend:
    def __init__(self, result):
        self.result = result

    def get_output_names(self):
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result

    def open_output(self, name):
        if isinstance(self.result, BaseException):
            raise self.result
        return FakePort()


@pytest.mark.parametrize(
    "result, names, words",
    [
        (["Synth A", "DAW In"], ["Synth A", "DAW In"], ""),
        ([], [], "No MIDI output ports found"),
        (OSError("MidiOutAlsa::initialize: error creating ALSA sequencer client object."), [], "MIDI system"),
        (ImportError("no rtmidi"), [], "python-rtmidi"),
        (RuntimeError("driver exploded"), [], "driver exploded"),
    ],
)
def test_listing_never_raises(monkeypatch, result, names, words):
    monkeypatch.setattr(midi_ports, "_backend", lambda: _Backend(result))
    listing = list_output_ports()
    assert listing.names == names
    assert words in listing.reason


def test_open_failure_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(midi_ports, "_backend", lambda: _Backend(OSError("no such port")))
    with pytest.raises(MidiPortError, match="Could not open the MIDI port 'Synth A'"):
        midi_ports.open_output_port("Synth A")
    # The job opens the port when it starts, so the error reaches the worker's `failed`.
    job = play_to_port("Synth A", [Note(60, 0, 1)])
    with pytest.raises(MidiPortError):
        next(job)


def test_schedule_orders_messages():
    notes = [Note(60, 0.0, 0.5, 100, 26, channel=0), Note(60, 0.5, 0.5, 90, 26, channel=0),
             Note(48, 0.0, 1.0, 70, 4, channel=1)]
    events = schedule(notes)
    assert [m.type for _, m in events[:2]] == ["program_change", "program_change"]
    assert {(m.channel, m.program) for _, m in events[:2]} == {(0, 26), (1, 4)}
    at_half = [m.type for t, m in events if t == 0.5]
    assert at_half == ["note_off", "note_on"]  # release the repeated C before striking it again
    assert [t for t, _ in events] == sorted(t for t, _ in events)
    assert sum(m.type == "note_on" for _, m in events) == 3 == sum(m.type == "note_off" for _, m in events)


def test_play_sends_everything_on_time_and_closes():
    clock = FakeClock()
    port = FakePort(clock)
    notes = [Note(60 + i, 0.25 * i, 0.2, 90, 26) for i in range(8)]
    job = play_to_port("Synth", notes, open_port=lambda name: port, clock=clock, sleep=clock.sleep)
    events = []
    played = None
    try:
        while True:
            events.append(next(job))
    except StopIteration as stop:
        played = stop.value
    assert played == 8 and port.closed
    ons = [(t, m) for t, m in port.sent if m.type == "note_on"]
    for i, (t, m) in enumerate(ons):
        assert m.note == 60 + i and t == pytest.approx(0.25 * i, abs=0.011)
    last = port.sent[-1][1]
    assert last.type == "control_change" and last.control == midi_ports.ALL_NOTES_OFF
    assert events and events[-1].fraction == 1.0


def test_stop_mid_note_silences_everything():
    clock = FakeClock()
    port = FakePort(clock)
    notes = [Note(60, 0.0, 4.0, 90, 26, channel=0), Note(48, 0.0, 4.0, 70, 4, channel=1),
             Note(64, 3.0, 1.0, 90, 26, channel=0)]
    job = play_to_port("Synth", notes, open_port=lambda name: port, clock=clock, sleep=clock.sleep)
    next(job)  # both long notes are now sounding
    assert clock.now < 1.0
    job.close()
    assert port.closed
    offs = {(m.channel, m.note) for _, m in port.sent if m.type == "note_off"}
    assert offs == {(0, 60), (1, 48)}
    all_off = {m.channel for _, m in port.sent if m.type == "control_change" and m.control == 123}
    assert all_off == {0, 1}
    assert not any(m.type == "note_on" and m.note == 64 for _, m in port.sent)


def test_real_time_stop_is_quick():
    """With the real clock: the job yields while it waits, so Stop lands within 100 ms."""
    port = FakePort()
    notes = [Note(60, 0.0, 0.1), Note(62, 30.0, 0.1)]  # a long wait between two notes
    job = play_to_port("Synth", notes, open_port=lambda name: port)
    t0 = time.monotonic()
    next(job)
    next(job)
    gap = time.monotonic() - t0
    t1 = time.monotonic()
    job.close()
    assert gap < 0.2 and time.monotonic() - t1 < 0.1
    assert port.closed and port.sent[0][0] - t0 < 0.05
