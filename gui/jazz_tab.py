"""The Jazz tab: an LSTM that learns a solo from MIDI and improvises over its chords."""

from gui.planned import PlannedTab


class JazzTab(PlannedTab):
    def __init__(self, parent=None):
        super().__init__(
            "Jazz",
            "Teach an LSTM a jazz solo from a MIDI file and let it improvise new measures over the chords.",
            [
                "Piano roll of the source and of each improvised variation",
                "Playback inside the app or to a MIDI port",
                "MIDI export that opens cleanly in any DAW",
            ],
            parent,
        )
