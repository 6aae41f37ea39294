"""Qt's own messages go to the log file, not the terminal.

Qt and its plugins print what they try and fail on this machine: the offscreen
platform's "This plugin does not support propagateSizeHints()" on every
screenshot, Qt Multimedia's "Couldn't load pipewire-0.3 library", FFmpeg's
version line, "PulseAudioService: pa_context_connect() failed". None of it is
for the user of the app, who is told by the app itself when there is no sound
device. Everything Qt says is kept in the log file (``gui.app.setup_logging``);
where there is none (the command line), Qt's critical and fatal messages reach
stderr through Python's last-resort handler.
"""

from __future__ import annotations

import logging

__all__ = ["install_message_handler"]

log = logging.getLogger("sequence_studio.qt")

_handler = None  # kept alive while installed


def _level(kind) -> int:
    from PySide6.QtCore import QtMsgType

    return {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.INFO,  # Qt's warnings are about Qt, not about the user's work
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(kind, logging.INFO)


def install_message_handler() -> None:
    """Route every Qt message to the ``sequence_studio.qt`` logger; call before the QApplication."""
    global _handler
    from PySide6.QtCore import qInstallMessageHandler

    def handler(kind, context, message: str) -> None:
        level = _level(kind)
        category = getattr(context, "category", None) or "qt"
        log.log(level, "%s: %s", category, message)  # with no log file set up, ERROR and above reach stderr

    _handler = handler
    qInstallMessageHandler(handler)
