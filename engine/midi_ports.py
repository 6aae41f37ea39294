"""MIDI output ports: list them, and play notes to one in real time.

Ports come from mido with the python-rtmidi backend (ALSA on Linux, CoreMIDI
on macOS, Windows MM). A machine may have no MIDI system at all -- on Linux
without the ALSA sequencer rtmidi raises an ``OSError`` subclass -- so listing
never raises: it returns the names, or an empty list and a sentence that tells
the user why and what to do.

Playing is a job (see :mod:`engine.jobs`): it yields progress while it waits
for the next event, and when it is stopped (``job.close()``) or ends, every
note still sounding is switched off and the port is closed, so a synthesizer
never keeps droning.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.jobs import Job, Progress

__all__ = [
    "BACKEND",
    "MidiPortError",
    "PortListing",
    "list_output_ports",
    "open_output_port",
    "schedule",
    "play_to_port",
]

BACKEND = "mido.backends.rtmidi"

ALL_NOTES_OFF = 123  # controller numbers of the MIDI channel-mode messages
YIELD_EVERY = 0.05  # seconds between progress events while waiting


class MidiPortError(OSError):
    """A MIDI port could not be listed or opened; the message says why in plain words."""


class NoteLike(Protocol):
    pitch: int
    start: float  # seconds
    duration: float  # seconds
    velocity: int
    program: int
    channel: int


@dataclass(frozen=True)
class PortListing:
    """The output ports, or why there are none (``reason`` is empty when there are)."""

    names: list[str] = field(default_factory=list)
    reason: str = ""

    def __bool__(self) -> bool:
        return bool(self.names)


def _no_midi_system_reason(exc: BaseException) -> str:
    if sys.platform.startswith("linux"):
        return (
            "No MIDI system: the ALSA sequencer (/dev/snd/seq) is missing. Load snd-seq, then press Refresh."
        )
    return f"No MIDI system is available ({exc}). Connect a MIDI device or start a software synthesizer."


def _backend():
    import mido

    return mido.Backend(BACKEND, load=True)


def list_output_ports() -> PortListing:
    """Names of the MIDI output ports; never raises."""
    try:
        names = list(_backend().get_output_names())
    except ImportError:
        return PortListing([], "MIDI output needs the python-rtmidi package, which is not installed.")
    except OSError as exc:  # rtmidi's SystemError/RtMidiError derive from OSError
        return PortListing([], _no_midi_system_reason(exc))
    except Exception as exc:  # any other driver trouble is still just "no ports"
        return PortListing([], f"MIDI ports could not be listed: {exc}")
    if not names:
        return PortListing(
            [], "No MIDI output ports found. Connect a MIDI device or start a DAW or software synthesizer, "
            "then press Refresh."
        )
    return PortListing(names, "")


def open_output_port(name: str):
    """Open a mido output port by name, or raise :class:`MidiPortError` with a clear message."""
    try:
        return _backend().open_output(name)
    except ImportError as exc:
        raise MidiPortError("MIDI output needs the python-rtmidi package, which is not installed.") from exc
    except Exception as exc:
        raise MidiPortError(f"Could not open the MIDI port {name!r}: {exc}") from exc


def schedule(notes: Iterable[NoteLike]) -> list[tuple[float, Any]]:
    """The messages to send and when: ``[(seconds, mido.Message), ...]`` in time order.

    A program change per channel comes first; at equal times note-offs go before
    note-ons, so a repeated pitch is released before it is struck again.
    """
    import mido

    notes = list(notes)
    events: list[tuple[float, int, Any]] = []
    programs: dict[int, int] = {}
    for n in notes:
        programs.setdefault(int(n.channel), int(n.program))
    for channel, program in sorted(programs.items()):
        events.append((0.0, 0, mido.Message("program_change", channel=channel, program=program)))
    for n in notes:
        if n.duration <= 0:
            continue
        ch, pitch = int(n.channel), int(n.pitch)
        vel = max(1, min(127, int(n.velocity)))
        events.append((float(n.start), 2, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
        events.append((float(n.start + n.duration), 1, mido.Message("note_off", channel=ch, note=pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    return [(t, msg) for t, _, msg in events]


def _silence(port, sounding: dict[tuple[int, int], int], channels: set[int]) -> None:
    """Release every sounding note, then send All Notes Off on every channel used."""
    import mido

    for (channel, pitch), count in list(sounding.items()):
        if count > 0:
            port.send(mido.Message("note_off", channel=channel, note=pitch))
    sounding.clear()
    for channel in sorted(channels):
        port.send(mido.Message("control_change", channel=channel, control=ALL_NOTES_OFF, value=0))


def play_to_port(
    port_name: str,
    notes: Iterable[NoteLike],
    *,
    open_port: Callable[[str], Any] = open_output_port,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Job:
    """Job: send ``notes`` to the port ``port_name`` in real time.

    Yields Progress about every 50 ms (``step`` = milliseconds played); returns
    the number of note-on messages sent. Closing the job stops the music at
    once: sounding notes get their note-off, every channel an All Notes Off.
    """
    events = schedule(notes)
    channels = {msg.channel for _, msg in events}
    total_s = events[-1][0] if events else 0.0
    total_ms = max(1, int(total_s * 1000))
    port = open_port(port_name)
    sounding: dict[tuple[int, int], int] = {}
    played = 0
    try:
        t0 = clock()
        last_yield = 0.0
        for when, msg in events:
            while True:
                now = clock() - t0
                if now >= when:
                    break
                sleep(min(0.01, when - now))
                if now - last_yield >= YIELD_EVERY:  # on the job's own clock, so Stop is quick
                    last_yield = now
                    yield Progress(int(now * 1000), total_ms, f"playing to {port_name}")
            port.send(msg)
            key = (msg.channel, getattr(msg, "note", -1))
            if msg.type == "note_on":
                sounding[key] = sounding.get(key, 0) + 1
                played += 1
            elif msg.type == "note_off" and sounding.get(key, 0) > 0:
                sounding[key] -= 1
                if sounding[key] == 0:
                    del sounding[key]
        yield Progress(total_ms, total_ms, "finished")
    finally:
        try:
            _silence(port, sounding, channels)
        finally:
            port.close()
    return played
