"""Which part is the melody, and the melody as one clean line on a sixteenth-note grid."""

from __future__ import annotations

from engine.jazz.errors import NoMelodyError
from engine.jazz.midi_read import Note, Part, Song

__all__ = ["GRID", "MELODIC_RANGE", "MAX_POLYPHONY", "melody_candidates", "pick_melody", "melody_part", "melody_line"]

GRID = 0.25  # a sixteenth note, in quarter notes: every time and duration is snapped to it
MELODIC_RANGE = (55, 96)  # median pitch of a melody: from G3 (above the bass) up
MAX_POLYPHONY = 0.35  # "mostly monophonic": two notes at once for at most this share of the time


def melody_candidates(song: Song) -> list[Part]:
    """Parts that could be the melody: pitched, mostly one note at a time, in a melodic range."""
    low, high = MELODIC_RANGE
    return [
        p
        for p in song.parts
        if not p.is_drums and p.polyphony <= MAX_POLYPHONY and low <= p.median_pitch <= high
    ]


def pick_melody(song: Song) -> int:
    """Index of the automatic melody choice: the busiest candidate part.

    Raises :class:`NoMelodyError` with the reason when no part qualifies
    (drums only, one chord part, only a bass line...).
    """
    candidates = melody_candidates(song)
    if candidates:
        return max(candidates, key=lambda p: (p.note_count, -p.index)).index
    pitched = [p for p in song.parts if not p.is_drums]
    if not pitched:
        raise NoMelodyError(f"{song.name} has only drum parts (MIDI channel 10); there is no melody to learn from.")
    if len(pitched) == 1 and pitched[0].polyphony > MAX_POLYPHONY:
        p = pitched[0]
        raise NoMelodyError(
            f"{song.name} has a single chord part ('{p.name}', several notes at once "
            f"{p.polyphony:.0%} of the time) and no melody. Choose a file with a solo line, "
            "or pick this part by its index to learn its top voice."
        )
    listing = ", ".join(f"{p.index} '{p.name}'" for p in pitched)
    raise NoMelodyError(
        f"No part of {song.name} looks like a melody (mostly one note at a time, above the bass). "
        f"Pick one of its pitched parts by index: {listing}."
    )


def melody_part(song: Song, index: int | None = None) -> Part:
    """The melody part: ``index`` when the user chose one, else the automatic pick."""
    if index is None:
        return song.parts[pick_melody(song)]
    part = song.part(index)
    if part.is_drums:
        raise NoMelodyError(f"Part {index} ('{part.name}') is a drum part; pick a pitched part as the melody.")
    return part


def _snap(t: float) -> float:
    return round(t / GRID) * GRID


def melody_line(part: Part) -> list[Note]:
    """The part as a single line on the sixteenth grid, with no overlaps.

    Onsets and ends are snapped to the grid (a note never shrinks below one
    sixteenth); where several notes start together the highest is kept (the
    top voice carries the tune); each note is cut where the next one starts.
    """
    top: dict[float, Note] = {}
    for n in part.notes:
        start = _snap(n.start)
        end = max(_snap(n.end), start + GRID)
        kept = top.get(start)
        if kept is None or n.pitch > kept.pitch:
            top[start] = Note(start, end, n.pitch, n.velocity)
    starts = sorted(top)
    line = []
    for k, start in enumerate(starts):
        n = top[start]
        end = min(n.end, starts[k + 1]) if k + 1 < len(starts) else n.end
        line.append(Note(start, end, n.pitch, n.velocity))
    return line
