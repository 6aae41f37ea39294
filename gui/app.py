"""Start the application: logging, the QApplication, the main window."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
import traceback
from pathlib import Path

log = logging.getLogger("sequence_studio")


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
    """Log an exception nobody caught and tell the user, instead of dying silently."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unhandled exception:\n%s", text)
    sys.__stderr__.write(text)
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is not None:
        QMessageBox.critical(None, "Unexpected error", f"{exc_type.__name__}: {exc}\n\nDetails are in the log file.")


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


def run_app(screenshot: str | None = None, tab: str | None = None) -> int:
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
        window.resize(1280, 820)
    window.show()

    if screenshot:
        ok = save_screenshot(app, window, screenshot)
        window.close()
        if not ok:
            print(f"sequence-studio: could not write {screenshot}", file=sys.stderr)
            return 1
        print(screenshot)
        return 0
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
