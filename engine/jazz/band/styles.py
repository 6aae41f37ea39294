"""The rhythm-section styles, each a small table of data (no style has its own code path).

Times are in beats (quarter notes). Every pattern is a *cell* of a few beats
repeated from each barline and cut at the next one, so the same table plays
sensibly in 4/4, 3/4 (a jazz waltz: the two-beat ride cell, then its first
beat), 5/4 or 6/8. Off-beat eighths (x.5 in a cell) are swung when the style
swings: moved to ``ratio / (1 + ratio)`` of the beat.

Drum sounds are General MIDI percussion keys on channel 10.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Style", "STYLES", "STYLE_NAMES", "style_named", "RIDE", "PEDAL_HAT", "CLOSED_HAT", "SNARE",
           "KICK", "SIDE_STICK"]

KICK, SIDE_STICK, SNARE, CLOSED_HAT, PEDAL_HAT, RIDE = 36, 37, 38, 42, 44, 51

Hit = tuple[int, float, int]  # (GM drum key, onset in the cell, velocity)
Figure = tuple[tuple[float, float, bool], ...]  # comping hits: (onset, length held, pushed into the next chord)


@dataclass(frozen=True)
class Style:
    """One style of accompaniment.

    swing          -- long/short ratio of the off-beat eighths (1.0 straight, 2.0 triplet swing)
    bass_cell      -- (onset, length) of the bass notes in a cell of ``bass_cell_beats``
    bass_roles     -- what each bass note of the cell plays: "root", "fifth" or "walk"
    bass_approach  -- the last bass note before a new chord leads into its root by a step
    drum_cell      -- hits repeated every ``drum_cell_beats``
    drum_fills     -- (key, probability per off-beat eighth, velocity): sparse comping on snare and kick
    comp_figures   -- rhythmic figures of the piano/guitar, one per cell of ``comp_cell_beats``
    comp_weights   -- how often each figure is chosen
    description    -- one line for a menu or a tooltip
    bass_program, comp_program    -- General MIDI programs of the bass and the comping instrument
    bass_velocity, comp_velocity  -- their loudness, 1-127
    """

    name: str
    description: str
    swing: float
    bass_cell: tuple[tuple[float, float], ...]
    bass_roles: tuple[str, ...]
    bass_cell_beats: float
    bass_approach: bool
    drum_cell: tuple[Hit, ...]
    drum_cell_beats: float
    drum_fills: tuple[tuple[int, float, int], ...]
    comp_figures: tuple[Figure, ...]
    comp_weights: tuple[float, ...]
    comp_cell_beats: float
    bass_program: int
    comp_program: int
    bass_velocity: int
    comp_velocity: int


STYLES: dict[str, Style] = {
    "swing": Style(
        name="swing",
        description="walking bass, ride cymbal with the hi-hat on 2 and 4, piano comping held in Charleston figures",
        swing=2.0,
        bass_cell=((0.0, 1.0),), bass_roles=("walk",), bass_cell_beats=1.0, bass_approach=True,
        # the ride's "ding, ding-a": 1, 2, 2-and; the hi-hat pedal closes on 2 (and 4)
        drum_cell=((RIDE, 0.0, 84), (RIDE, 1.0, 96), (RIDE, 1.5, 66), (PEDAL_HAT, 1.0, 70)),
        drum_cell_beats=2.0,
        drum_fills=((SNARE, 0.10, 52), (KICK, 0.05, 56)),
        comp_figures=(  # a bar each; lengths are held (a pianist sustains the harmony through the bar)
            ((0.0, 1.5, False), (1.5, 2.5, False)),  # Charleston: 1 held a dotted quarter, the and of 2 held to the bar's end
            ((0.0, 1.5, False), (1.5, 2.0, False), (3.5, 2.0, True)),  # Charleston, then the and of 4 tied into the next chord
            ((0.0, 3.5, False), (3.5, 2.0, True)),  # held through the bar, then an anticipation
            ((0.0, 2.5, False), (2.5, 1.5, False)),  # 1, and the and of 3
            ((0.5, 1.5, False), (2.0, 2.0, False)),  # reverse Charleston: the and of 1, then 3
            ((0.0, 2.0, False), (2.0, 2.0, False)),  # half notes: a two-feel bar
            (),  # space for the soloist
        ),
        comp_weights=(3.0, 2.0, 1.5, 1.5, 1.0, 1.0, 0.5),
        comp_cell_beats=4.0,
        bass_program=32, comp_program=0, bass_velocity=88, comp_velocity=62,
    ),
    "ballad": Style(
        name="ballad",
        description="a two-feel bass walking into each change, soft ride, sustained piano",
        swing=2.0,
        bass_cell=((0.0, 2.0),), bass_roles=("walk",), bass_cell_beats=2.0, bass_approach=True,  # a two feel
        drum_cell=((RIDE, 0.0, 56), (RIDE, 1.0, 62), (RIDE, 1.5, 44), (PEDAL_HAT, 1.0, 50)),
        drum_cell_beats=2.0,
        drum_fills=((SIDE_STICK, 0.03, 40),),
        comp_figures=(  # sustained voicings, re-struck lightly
            ((0.0, 4.0, False),),  # a whole note
            ((0.0, 2.0, False), (2.0, 2.0, False)),  # two half notes
            ((0.0, 3.5, False), (3.5, 2.0, True)),  # held, then the and of 4 tied into the next chord
            ((0.0, 1.5, False), (1.5, 2.5, False)),  # a slow Charleston
        ),
        comp_weights=(3.0, 2.0, 1.5, 1.0),
        comp_cell_beats=4.0,
        bass_program=32, comp_program=0, bass_velocity=76, comp_velocity=52,
    ),
    "bossa": Style(
        name="bossa",
        description="root-fifth bass, hi-hat eighths and side-stick clave, nylon guitar; straight eighths",
        swing=1.0,
        bass_cell=((0.0, 1.5), (1.5, 0.5)), bass_roles=("root", "fifth"), bass_cell_beats=2.0, bass_approach=True,
        # closed hi-hat eighths, the side-stick's bossa clave over two bars, kick on 1, 2-and, 3, 4-and
        drum_cell=(
            (CLOSED_HAT, 0.0, 64), (CLOSED_HAT, 0.5, 48), (CLOSED_HAT, 1.0, 64), (CLOSED_HAT, 1.5, 48),
            (CLOSED_HAT, 2.0, 64), (CLOSED_HAT, 2.5, 48), (CLOSED_HAT, 3.0, 64), (CLOSED_HAT, 3.5, 48),
            (CLOSED_HAT, 4.0, 64), (CLOSED_HAT, 4.5, 48), (CLOSED_HAT, 5.0, 64), (CLOSED_HAT, 5.5, 48),
            (CLOSED_HAT, 6.0, 64), (CLOSED_HAT, 6.5, 48), (CLOSED_HAT, 7.0, 64), (CLOSED_HAT, 7.5, 48),
            (SIDE_STICK, 0.0, 70), (SIDE_STICK, 1.5, 70), (SIDE_STICK, 3.0, 70),
            (SIDE_STICK, 5.0, 70), (SIDE_STICK, 6.5, 70),
            (KICK, 0.0, 74), (KICK, 1.5, 60), (KICK, 2.0, 74), (KICK, 3.5, 60),
            (KICK, 4.0, 74), (KICK, 5.5, 60), (KICK, 6.0, 74), (KICK, 7.5, 60),
        ),
        drum_cell_beats=8.0,
        drum_fills=(),
        comp_figures=(  # two bars, the guitar on the clave (1, the and of 2, 4 | 2, the and of 3), letting each chord ring
            ((0.0, 1.5, False), (1.5, 1.5, False), (3.0, 2.0, False), (5.0, 1.5, False), (6.5, 1.5, False)),
            # the same, the last chord anticipating the next bar's
            ((0.0, 1.5, False), (1.5, 1.5, False), (3.0, 2.0, False), (5.0, 2.5, False), (7.5, 2.0, True)),
            # the eighth-note push: 1, the and of 2 held; again in the second bar
            ((0.0, 1.5, False), (1.5, 2.5, False), (4.0, 1.5, False), (5.5, 2.5, False)),
        ),
        comp_weights=(3.0, 2.0, 1.5),
        comp_cell_beats=8.0,
        bass_program=32, comp_program=24, bass_velocity=82, comp_velocity=58,
    ),
    "straight": Style(
        name="straight",
        description="straight-eighth walking bass and ride, electric piano in held half notes with pushes",
        swing=1.0,
        bass_cell=((0.0, 1.0),), bass_roles=("walk",), bass_cell_beats=1.0, bass_approach=True,
        drum_cell=(
            (RIDE, 0.0, 80), (RIDE, 0.5, 60), (RIDE, 1.0, 80), (RIDE, 1.5, 60),
            (KICK, 0.0, 66), (PEDAL_HAT, 1.0, 64), (SIDE_STICK, 1.0, 58),
        ),
        drum_cell_beats=2.0,
        drum_fills=((SNARE, 0.06, 50), (KICK, 0.05, 54)),
        comp_figures=(  # held half notes with pushes
            ((0.0, 2.0, False), (2.0, 2.0, False)),  # 1 and 3
            ((0.0, 2.0, False), (2.0, 1.5, False), (3.5, 2.0, True)),  # 1, 3, the and of 4 into the next chord
            ((0.0, 1.5, False), (1.5, 2.5, False)),  # 1, the and of 2 held
            ((0.0, 3.5, False), (3.5, 2.0, True)),  # held, then an anticipation
        ),
        comp_weights=(3.0, 2.0, 1.5, 1.5),
        comp_cell_beats=4.0,
        bass_program=33, comp_program=4, bass_velocity=86, comp_velocity=60,
    ),
}
STYLE_NAMES = (*STYLES, "none")  # "none": no rhythm section, the chords held as blocks


def style_named(name: str) -> Style:
    from engine.jazz.errors import JazzError

    try:
        return STYLES[name]
    except KeyError:
        raise JazzError(f"'{name}' is not a style; choose one of {', '.join(STYLE_NAMES)}.") from None
