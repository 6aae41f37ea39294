"""The rhythm section: walking bass, comping and drums under a lead, in a style from a table.

    arrangement = arrange(lead, style="swing", tracks="melody,bass,comping,drums", seed=None)
    arrangement.tracks        # Track: role, title, program, channel, notes (quarter notes)

Modules: ``styles`` (the data), ``timeline`` (chord spans, cells, swing),
``bass``, ``comping``, ``drums``, ``arrange``. No Qt, no music21: numpy only.
"""

from engine.jazz.band.arrange import TRACK_NAMES, Arrangement, Track, arrange, lead_changes, parse_tracks
from engine.jazz.band.styles import STYLE_NAMES, STYLES, Style

__all__ = ["STYLES", "STYLE_NAMES", "Style", "TRACK_NAMES", "Arrangement", "Track", "arrange", "lead_changes",
           "parse_tracks"]
