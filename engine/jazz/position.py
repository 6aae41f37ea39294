"""Where in the bar the next token starts: what the network hears besides the tokens themselves.

A token says what a note is and how long; where it falls in the bar is only
implied by the tokens before it, summed since the last barline. On a short
solo the LSTM cannot learn that sum, so it cannot learn the first rule of
jazz phrasing -- chord tones on the beat. The studio therefore gives it the
answer: with every token it reads, the position at which the token it is
about to predict starts, as two one-hot groups::

    beat     which beat of the bar (0 .. BEATS - 1; later beats share the last)
    step     where inside that beat, in twelfths (0 .. 11: sixteenths and triplets)

so the input at step t is ``[one_hot(token t), one_hot(beat), one_hot(step)]``
of ``n_values + FEATURES`` numbers. Generation knows the position exactly
(it is filling the bar), so it costs nothing there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jazz.melody import STEPS

__all__ = ["BEATS", "FEATURES", "next_onsets", "position_rows", "position_features"]

BEATS = 16  # beats told apart; a longer bar's later beats share the last
FEATURES = BEATS + STEPS


def next_onsets(steps: np.ndarray, bar_starts: Sequence[int], ends: Sequence[int] = ()) -> np.ndarray:
    """For every token k of a sequence, where token k + 1 starts in its bar, in twelfths from the barline.

    steps      -- (n,) length of each token in twelfths
    bar_starts -- index of the first token of every bar
    ends       -- indices where a piece ends (the next token starts a new piece, on a barline)
    """
    n = len(steps)
    starts = np.zeros(n + 1, dtype=bool)
    starts[[b for b in bar_starts if 0 <= b <= n]] = True
    starts[[e for e in ends if 0 <= e <= n]] = True
    starts[n] = True
    onset = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):  # the onset of token k + 1: token k's onset plus its length, or 0 on a barline
        onset[k + 1] = 0 if starts[k + 1] else onset[k] + int(steps[k])
    return onset[1:]


def position_rows(onset: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The feature indices (beat row, step row) of onsets in twelfths from the barline."""
    onset = np.asarray(onset)
    return np.minimum(onset // STEPS, BEATS - 1), BEATS + onset % STEPS


def position_features(onsets: np.ndarray) -> np.ndarray:
    """Two-hot rows of shape onsets.shape + (FEATURES,), float32."""
    beat, step = position_rows(onsets)
    out = np.zeros(np.shape(onsets) + (FEATURES,), dtype=np.float32)
    np.put_along_axis(out, beat[..., None], 1.0, axis=-1)
    np.put_along_axis(out, step[..., None], 1.0, axis=-1)
    return out
