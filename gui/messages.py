"""Messages to the user that never block a window nobody can see.

Every error, notice and yes/no question of the window goes through here. On a
real screen they are ordinary message boxes (errors and notices window-modal
but non-blocking, so running jobs carry on); when nobody can answer -- the
``offscreen`` platform (tests, a machine without a display) or while a
screenshot is being taken -- they are logged instead, and a question takes its
safe default answer at once. A modal box there would wait forever.

``gui.app`` marks a screenshot run with :func:`set_screenshot_mode`, and sends
Qt's own chatter (platform plugins, multimedia back ends) to the log file rather
than the terminal with :func:`route_qt_messages_to_log`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["interactive", "set_screenshot_mode", "show_error", "show_info", "ask", "route_qt_messages_to_log"]

log = logging.getLogger(__name__)

_screenshot = False


def set_screenshot_mode(on: bool = True) -> None:
    """Mark this run as taking a screenshot: from now on no message box is shown."""
    global _screenshot
    _screenshot = on


def interactive() -> bool:
    """True when a person can see and answer a message box (a real screen, no screenshot)."""
    if _screenshot:
        return False
    platform = QGuiApplication.platformName() if QGuiApplication.instance() is not None else ""
    return platform not in ("", "offscreen", "minimal")


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox | None:
    if not interactive():
        return None
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # window-modal, returns at once
    return box


def show_error(parent: QWidget | None, title: str, text: str) -> QMessageBox | None:
    """Tell the user something went wrong (a warning box, or a log line when nobody can see one)."""
    log.warning("%s: %s", title, text)
    return _box(parent, QMessageBox.Icon.Warning, title, text)


def show_info(parent: QWidget | None, title: str, text: str) -> QMessageBox | None:
    """Tell the user something worth a box (or a log line when nobody can see one)."""
    log.info("%s: %s", title, text)
    return _box(parent, QMessageBox.Icon.Information, title, text)


def ask(parent: QWidget | None, title: str, text: str, default: bool = False) -> bool:
    """A yes/no question; ``default`` is the answer when nobody can be asked (and the default button)."""
    if not interactive():
        log.info("%s: %s -- answered %s (nobody to ask)", title, text, "yes" if default else "no")
        return default
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    return QMessageBox.question(parent, title, text, yes | no, yes if default else no) == yes


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.INFO,  # Qt's warnings are about its plugins, not the user's work
    QtMsgType.QtCriticalMsg: logging.WARNING,
    QtMsgType.QtFatalMsg: logging.ERROR,
}


def route_qt_messages_to_log() -> None:
    """Write Qt's messages ("This plugin does not support propagateSizeHints()", PulseAudio...) to the log."""
    qt_log = logging.getLogger("qt")

    def handler(kind, context, text) -> None:  # noqa: ARG001 (Qt's signature)
        category = getattr(context, "category", None) or "default"
        qt_log.log(_QT_LEVELS.get(kind, logging.INFO), "%s: %s", category, text)

    qInstallMessageHandler(handler)
