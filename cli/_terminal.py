"""What reaches the terminal: the app's own lines, not the libraries' chatter; a closed pipe ends quietly.

Native libraries write to the terminal on their own: ALSA's C library prints
"ALSA lib seq_hw.c:... open /dev/snd/seq failed" when python-rtmidi looks for
MIDI ports on a machine without a sequencer, and matplotlib (which music21 may
import) warns about Axes3D when two matplotlib versions are installed. Both say
nothing a user of this app can act on; the app says itself when there is no
MIDI system. music21 writes "Certain music21 functions might need the optional
package matplotlib" straight to stderr when matplotlib is absent (as in the
packaged app, which leaves it out on purpose); that one message is dropped
from stderr. Qt's own messages are routed to the log file by
``gui.qt_messages``.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

__all__ = ["quiet_native_libraries", "silence_alsa", "stdout_closed", "QuietStderr"]

log = logging.getLogger("sequence_studio.native")

# Python warnings from libraries that say nothing to this app's user.
_LIBRARY_WARNINGS = (
    r"Unable to import Axes3D",  # matplotlib, when a second (system) matplotlib's mpl_toolkits is on the path
)

# Lines libraries write straight to sys.stderr, by how they begin.
_LIBRARY_LINES = (
    "music21: Certain music21 functions might need",  # music21.base, when matplotlib is not installed
)

_alsa_handler = None  # the ctypes callback; kept alive for as long as ALSA may call it


def silence_alsa() -> bool:
    """Send ALSA's error messages to the log (at debug level) instead of stderr. True if ALSA is here.

    libasound prints its errors through one process-wide handler; python-rtmidi
    links the same library, so setting the handler once covers every later use.
    """
    global _alsa_handler
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    candidates = ["libasound.so.2"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # the packaged app carries its own copy: silence the one rtmidi will load
        candidates.insert(0, os.path.join(bundle, "libasound.so.2"))
    for name in candidates:
        try:
            library = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        return False
    if _alsa_handler is None:
        # void handler(const char *file, int line, const char *function, int err, const char *fmt, ...);
        # the variadic tail is ignored, which is safe on the Linux calling conventions.
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                        ctypes.c_char_p)

        def handler(file, line, function, err, fmt):
            log.debug("ALSA %s:%d %s: error %d", (file or b"?").decode(errors="replace"), line,
                      (function or b"?").decode(errors="replace"), err)

        _alsa_handler = handler_type(handler)
    library.snd_lib_error_set_handler(_alsa_handler)
    return True


class QuietStderr:
    """sys.stderr, less the known library messages (each written in one call); they go to the log."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        if text.lstrip().startswith(_LIBRARY_LINES):
            log.debug("dropped from stderr: %s", text.strip())
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name):  # flush, fileno, isatty, encoding... of the real stream
        return getattr(self._stream, name)


def quiet_native_libraries() -> None:
    """Silence what libraries print on their own; call once, before they are loaded."""
    for message in _LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    if sys.stderr is not None and not isinstance(sys.stderr, QuietStderr):
        sys.stderr = QuietStderr(sys.stderr)
    silence_alsa()


def stdout_closed() -> int:
    """After a BrokenPipeError on stdout (``... | head`` stopped reading): end quietly.

    Later writes, including the interpreter's own flush at exit, go to /dev/null,
    so no second error is printed. Returns 141, the status of a tool stopped by
    SIGPIPE, as the shell would report for a C program.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (already closed or replaced)
        pass
    return 141


def output_failed(exc: OSError) -> int:
    """A write failed because the disk or device is full (``> /dev/full``, a full disk): one line, status 2.

    When the failed write was the standard output (no file name), later writes,
    including the interpreter's flush at exit, go to /dev/null, so no second error follows.
    """
    where = exc.filename or "the standard output"
    print(f"error: cannot write {where}: {exc.strerror or exc}.", file=sys.stderr)
    if exc.filename is None:
        stdout_closed()
    return 2
