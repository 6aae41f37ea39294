"""Start the application: logging, the QApplication, the main window; or one screenshot of it.

In screenshot mode (``--screenshot PATH``) nobody is there to answer a dialog:
:func:`is_screenshot_mode` tells the window's code so, and
:func:`modal_dialogs_allowed` is False then and on the offscreen and minimal
platforms, where a modal box would wait forever for a click.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("sequence_studio")

DEFAULT_SIZE = (1280, 820)  # the window's first size, and the screenshots'
HEADLESS_PLATFORMS = ("offscreen", "minimal")

_screenshot_mode = False
_unhandled_errors = 0  # in screenshot mode: the run then ends with status 1


def is_screenshot_mode() -> bool:
    """True while ``--screenshot`` renders the window: show no dialog, report problems on stderr."""
    return _screenshot_mode


def modal_dialogs_allowed() -> bool:
    """Whether a modal box could be answered: not in screenshot mode, nor on a platform without a screen."""
    if _screenshot_mode:
        return False
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.platformName() not in HEADLESS_PLATFORMS


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why no window can open here (no display to show it on), or None if one can.

    Checked before Qt starts: without a display Qt's xcb plugin aborts the
    process (status 134) and blames a library that is in fact installed. Only
    X11 and Wayland need a display; QT_QPA_PLATFORM=offscreen (and other
    platforms that draw for themselves) and macOS and Windows do not.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin")):
        return None
    requested = [p.split(":", 1)[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if requested and not any(p in ("xcb", "wayland", "wayland-egl") for p in requested):
        return None
    wayland = env.get("WAYLAND_DISPLAY")
    if wayland and "xcb" not in requested:
        runtime = env.get("XDG_RUNTIME_DIR", "")
        if Path(wayland).is_absolute() or Path(runtime, wayland).exists():
            return None
    display = env.get("DISPLAY", "")
    if not display:
        return "no display to open the window on (DISPLAY is not set)"
    if not _x_server_answers(display):
        return f"no display to open the window on (nothing answers at DISPLAY={display})"
    return None


def _x_server_answers(display: str, timeout_s: float = 2.0) -> bool:
    """Whether an X server listens at ``display`` ("[host]:N[.screen]"): its socket accepts a connection."""
    host, sep, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit() or host.startswith("/"):
        return True  # a form we do not know (e.g. a launchd path): let Qt try
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in (path, "\0" + path):  # the file, or Linux's abstract socket of the same name
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout_s)
                    sock.connect(address)
                    return True
            except OSError:
                continue
        return False
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=timeout_s):
            return True
    except OSError:
        return False


def setup_logging() -> Path:
    """Log to a rotating file in the user's data folder; return its path."""
    from PySide6.QtCore import QStandardPaths

    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sequence-studio.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def create_application(argv: list[str] | None = None):
    """The QApplication (created once), with names used by QSettings and QStandardPaths."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from engine.resources import resource_path
    from engine.version import APP_NAME, app_version
    from gui.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        app.setStyle("Fusion")  # the same look on every platform and in offscreen screenshots
    from gui.collector import collect_in_gui_thread

    collect_in_gui_thread(app)  # Qt objects in garbage cycles must never die on a job's thread
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(app_version())
    app.setDesktopFileName("sequence-studio")
    app.setWindowIcon(QIcon(str(resource_path("icons", "sequence-studio.svg"))))
    return app


def _report_unhandled(exc_type, exc, tb) -> None:
    """Log an exception nobody caught and tell the user, instead of dying silently.

    In the window: a box. In screenshot mode or offscreen: one line on stderr (a
    screenshot run then ends with status 1), never a box nobody can click away.
    """
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unhandled exception:\n%s", text)
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is not None and modal_dialogs_allowed():
        sys.__stderr__.write(text)
        QMessageBox.critical(None, "Unexpected error", f"{exc_type.__name__}: {exc}\n\nDetails are in the log file.")
        return
    global _unhandled_errors
    _unhandled_errors += 1
    sys.__stderr__.write(f"sequence-studio: unexpected error: {exc_type.__name__}: {exc} (details in the log file)\n")


def wait_until_idle(app, window, timeout_s: float = 20.0) -> None:
    """Let the window finish its start-up jobs (e.g. loading bundled data)."""
    deadline = time.monotonic() + timeout_s
    app.processEvents()
    while time.monotonic() < deadline:
        app.processEvents()
        if not window.busy():
            app.processEvents()
            return
        time.sleep(0.01)


def save_screenshot(app, window, path: str) -> bool:
    wait_until_idle(app, window)
    image = window.grab()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return image.save(path, "PNG")


def fit_window(app, window, size: tuple[int, int]) -> tuple[int, int]:
    """Resize the window to ``size`` (width, height) and let its layouts settle; the size it took.

    A window cannot be smaller than its layouts' minimum; it then keeps that
    minimum, and the caller says so.
    """
    window.resize(*size)
    app.processEvents()
    window.resize(*size)  # again, once lazily built tabs have set their minimum sizes
    app.processEvents()
    return window.width(), window.height()


def run_app(screenshot: str | None = None, tab: str | None = None, size: tuple[int, int] | None = None) -> int:
    global _screenshot_mode
    from engine.files import FileCheckError, check_output_path

    if screenshot:
        try:  # before Qt starts: a bad path is one line, not a traceback and a box nobody can close
            check_output_path(screenshot, what="screenshot")
        except FileCheckError as exc:
            print(f"sequence-studio: {exc}", file=sys.stderr)
            return 2
        _screenshot_mode = True
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        problem = display_problem()
        if problem:
            print(f"sequence-studio: {problem}. Use the command line (sequence-studio --help), or "
                  "render the window to a file with --screenshot shot.png.", file=sys.stderr)
            return 1
    from gui.qt_messages import install_message_handler

    install_message_handler()  # Qt's chatter goes to the log file, not the terminal
    app = create_application()
    log_path = setup_logging()
    log.info("starting; log file %s", log_path)
    sys.excepthook = _report_unhandled

    from gui.main_window import MainWindow

    window = MainWindow(remember=not screenshot)
    if tab:
        try:
            window.select_tab(tab)
        except ValueError as exc:
            print(f"sequence-studio: {exc}", file=sys.stderr)
            return 2
    if screenshot:
        window.show()
        wanted = size or DEFAULT_SIZE
        got = fit_window(app, window, wanted)
        if got != wanted:
            why = (f"the window cannot be smaller than {got[0]}x{got[1]}" if got[0] >= wanted[0] and got[1] >= wanted[1]
                   else f"the window took {got[0]}x{got[1]} instead of {wanted[0]}x{wanted[1]}")
            print(f"sequence-studio: {why}; the screenshot is {got[0]}x{got[1]}", file=sys.stderr)
        ok = save_screenshot(app, window, screenshot)
        window.close()
        if not ok:
            print(f"sequence-studio: could not write {screenshot}", file=sys.stderr)
            return 1
        print(screenshot)
        return 1 if _unhandled_errors else 0
    if size:
        window.resize(*size)
    window.show()
    if os.environ.get("SEQUENCE_STUDIO_STARTUP_PROBE"):
        _exit_after_first_paint(app)
    return app.exec()


def _exit_after_first_paint(app) -> None:
    """For benchmarks/startup.py: print 'first-paint' once a widget has painted, then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
                self.seen = True
                QTimer.singleShot(0, lambda: (print("first-paint", flush=True), app.quit()))
            return False

    app._first_paint_filter = FirstPaint()
    app.installEventFilter(app._first_paint_filter)
