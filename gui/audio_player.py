"""Play a WAV file through QtMultimedia, or say clearly why it cannot be heard.

QtMultimedia is imported on first use, not when the window starts: it loads
audio back ends (PulseAudio, FFmpeg) that cost time and print warnings, and a
machine may lack them. On a machine without an audio output device QMediaPlayer
would "play" in silence; :class:`AudioPlayer` refuses instead and reports a
sentence the tab can show.

The player is driven through queued calls, run by Qt's event loop rather than
from Python: Qt's media threads, tearing down a stopped stream, briefly need
Python's GIL while holding Qt's connection locks, and a direct call from Python
(which holds the GIL) that needs those locks would wait for them forever.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import Q_ARG, QLoggingCategory, QMetaObject, QObject, Qt, QUrl, Signal

log = logging.getLogger(__name__)

__all__ = ["AudioPlayer"]

NO_DEVICE = (
    "No audio output device was found, so the preview cannot be heard here. "
    "Save it as a WAV file, or send the notes to a MIDI port."
)


class AudioPlayer(QObject):
    """One WAV at a time: ``play(path)``, ``stop()``; signals for state and position.

    ``require_device`` (default True) refuses to play when the system lists no audio
    output; tests turn it off to drive the real player on a machine without sound.
    """

    playing_changed = Signal(bool)
    position_changed = Signal(float)  # seconds into the file
    error = Signal(str)
    availability_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None, *, require_device: bool = True):
        super().__init__(parent)
        self.require_device = require_device
        self._player = None
        self._output = None
        self._devices = None
        self._import_error = ""
        self._playing = False
        self._source: Path | None = None

    # -- what the system offers -------------------------------------------------
    def _multimedia(self):
        """The QtMultimedia module, or None (and the reason kept) when it cannot load."""
        if self._import_error:
            return None
        # Qt Multimedia's back ends (FFmpeg, PulseAudio) talk on the terminal; the app says what matters.
        QLoggingCategory.setFilterRules("qt.multimedia*=false\nqt.multimedia.*=false")
        try:
            qt_multimedia = importlib.import_module("PySide6.QtMultimedia")
        except ImportError as exc:  # e.g. libpulse missing on Linux
            self._import_error = f"Audio playback is unavailable: Qt Multimedia could not load ({exc})."
            log.warning("%s", self._import_error)
            return None
        return qt_multimedia

    def availability(self) -> tuple[bool, str]:
        """``(True, "")`` when a WAV can be heard, else ``(False, reason)``."""
        mm = self._multimedia()
        if mm is None:
            return False, self._import_error
        if self._devices is None:  # watch for a headset plugged in later
            self._devices = mm.QMediaDevices(self)
            self._devices.audioOutputsChanged.connect(self._on_outputs_changed)
        if self.require_device and not mm.QMediaDevices.audioOutputs():
            return False, NO_DEVICE
        return True, ""

    def _on_outputs_changed(self) -> None:
        ok, reason = self.availability()
        if self._output is not None and ok:
            from PySide6.QtMultimedia import QAudioDevice, QMediaDevices

            device = QMediaDevices.defaultAudioOutput()
            QMetaObject.invokeMethod(self._output, "setDevice", Qt.ConnectionType.QueuedConnection,
                                     Q_ARG(QAudioDevice, device))
        self.availability_changed.emit(ok, reason)

    def _ensure_player(self):
        if self._player is None:
            mm = self._multimedia()
            self._player = mm.QMediaPlayer(self)
            self._output = mm.QAudioOutput(self)
            self._output.setVolume(0.9)
            self._player.setAudioOutput(self._output)
            self._player.playbackStateChanged.connect(self._on_state)
            self._player.positionChanged.connect(lambda ms: self.position_changed.emit(ms / 1000.0))
            self._player.errorOccurred.connect(self._on_error)
        return self._player

    # -- playing --------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._playing

    @property
    def source(self) -> Path | None:
        return self._source

    def play(self, path: str | Path) -> bool:
        """Start playing ``path``; False (and ``error`` emitted) when it cannot be heard."""
        ok, reason = self.availability()
        if not ok:
            self.error.emit(reason)
            return False
        path = Path(path)
        if not path.is_file():
            self.error.emit(f"The audio file {path} is missing.")
            return False
        self._ensure_player()
        self._source = path
        self._call("stop")
        self._call("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(path))))
        self._call("play")
        return True

    def stop(self) -> None:
        if self._player is not None:
            self._call("stop")
        self._set_playing(False)

    def release(self) -> None:
        """Stop and let go of the file (so it can be deleted or overwritten)."""
        self.stop()
        if self._player is not None:
            self._call("setSource", Q_ARG(QUrl, QUrl()))
        self._source = None

    def _call(self, slot: str, *args) -> None:
        """Call one of the player's slots from Qt's event loop, in order (see the module docstring)."""
        QMetaObject.invokeMethod(self._player, slot, Qt.ConnectionType.QueuedConnection, *args)

    def _on_state(self, state) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        self._set_playing(state == QMediaPlayer.PlaybackState.PlayingState)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    def _on_error(self, error, message: str) -> None:
        log.warning("audio player: %s (%s)", message, error)
        self.error.emit(f"Could not play the preview: {message or error}")
        self._set_playing(False)
