"""The main window: three tabs, a menu, a status bar, remembered geometry.

What a tab may offer the window (all optional):

- ``open_filter`` (str) and ``open_path(path)``: File > Open and dropped files
  go to the current tab; ``open_key`` names its remembered folder;
- ``status`` (a ``Signal(str)``): what the tab has to say; the window shows a
  tab's last status in the status bar whenever that tab is current, so one
  tab's news never appears under another;
- ``save_state()``: called when the window closes (and only when the window
  remembers: never for a screenshot);
- any :class:`gui.worker.JobWorker` children: cancelled when the window closes
  and waited for at most :data:`CLOSE_BUDGET_S` in all -- a job stuck in a long
  call (importing TensorFlow) is left to end on its own, so closing is quick.
"""

from __future__ import annotations

import importlib
import logging
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from engine.version import APP_NAME, app_version
from gui.settings import app_settings, last_folder, remember_folder
from gui.status_bar import ElidingStatusBar
from gui.worker import JobWorker

log = logging.getLogger(__name__)

# (label, module, class) of each tab; a tab's module is imported when the tab is first shown.
TABS = (
    ("Gradients", "gui.gradients", "GradientsTab"),
    ("Names", "gui.names", "NamesTab"),
    ("Jazz", "gui.jazz", "JazzTab"),
)

TAB_NAMES = tuple(label.lower() for label, _module, _cls in TABS)
READY = "Ready"
CLOSE_BUDGET_S = 0.5  # the most closing the window waits for running jobs, in all (quitting adds no more)


class _NotBuiltYet(QWidget):
    """Stands in a tab's place until the tab is first shown, so start-up pays only for the visible one."""


def _installed_version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def about_versions() -> dict[str, str]:
    """Versions for the About box; TensorFlow only if something already loaded it."""
    import numpy

    tf = sys.modules.get("tensorflow")
    return {
        APP_NAME: app_version(),
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": _installed_version("PySide6-Essentials"),
        "numpy": numpy.__version__,
        "TensorFlow": getattr(tf, "__version__", None) or "not loaded yet",
        "music21": _installed_version("music21"),
    }


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None, remember: bool = True):
        """``remember=False`` (screenshots) reads the remembered state but never writes it."""
        super().__init__(parent)
        self.remember = remember
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for label, _module, _cls in TABS:
            self.tabs.addTab(_NotBuiltYet(), label)
        self.setCentralWidget(self.tabs)

        self.open_action = self._build_menu()
        self._statuses: dict[QWidget, str] = {}  # each built tab's last status
        self.setStatusBar(ElidingStatusBar())  # a long message ends in "…", not mid-word at the edge
        self.statusBar().showMessage(READY)
        self._restore()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._on_tab_changed(self.tabs.currentIndex())

    def _on_tab_changed(self, index: int) -> None:
        tab = self._build_tab(index)
        self.statusBar().showMessage(self._statuses.get(tab, READY))
        self._update_actions()

    def _on_tab_status(self, tab: QWidget, text: str) -> None:
        self._statuses[tab] = text
        if self.tabs.currentWidget() is tab:
            self.statusBar().showMessage(text)

    def tab_status(self, name: str) -> str:
        """The last status of the tab called ``name`` (what the bar shows while it is current)."""
        return self._statuses.get(self.tabs.widget(TAB_NAMES.index(name.lower())), READY)

    def _build_tab(self, index: int) -> QWidget:
        """The real tab at ``index``, importing and constructing it the first time."""
        widget = self.tabs.widget(index)
        if not isinstance(widget, _NotBuiltYet):
            return widget
        label, module, cls = TABS[index]
        tab = getattr(importlib.import_module(module), cls)()
        status = getattr(tab, "status", None)
        if status is not None and hasattr(status, "connect"):
            status.connect(lambda text, tab=tab: self._on_tab_status(tab, text))
        self.tabs.blockSignals(True)  # the swap below must not re-enter _on_tab_changed
        current = self.tabs.currentIndex()
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, tab, label)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        widget.deleteLater()
        return tab

    def current_tab(self) -> QWidget:
        return self._build_tab(self.tabs.currentIndex())

    # -- menu -----------------------------------------------------------------
    def _build_menu(self) -> QAction:
        """File and Help menus; returns File > Open (enabled by what the current tab can open)."""
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_file_dialog)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction(f"&About {APP_NAME}", self)
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)
        return open_action

    def _update_actions(self) -> None:
        tab = self.current_tab()
        can_open = hasattr(tab, "open_path")
        self.open_action.setEnabled(can_open)
        self.open_action.setStatusTip(
            "Open a file in this tab" if can_open else "This tab has nothing to open"
        )

    def show_about(self) -> None:
        rows = "".join(f"<tr><td>{k}</td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in about_versions().items())
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME}</h3><p>Learn, inspect and play with sequence models.</p><table>{rows}</table>",
        )

    # -- tabs -----------------------------------------------------------------
    def select_tab(self, name: str) -> None:
        name = name.lower()
        if name not in TAB_NAMES:
            raise ValueError(f"unknown tab {name!r}; choose one of {', '.join(TAB_NAMES)}")
        self.tabs.setCurrentIndex(TAB_NAMES.index(name))

    def open_file_dialog(self) -> None:
        tab = self.current_tab()
        if not hasattr(tab, "open_path"):
            return
        key = getattr(tab, "open_key", "files")
        path, _ = QFileDialog.getOpenFileName(
            self, "Open", last_folder(key), getattr(tab, "open_filter", "All files (*)")
        )
        if path:
            self.open_in_current_tab(path)

    def open_in_current_tab(self, path: str) -> None:
        tab = self.current_tab()
        remember_folder(getattr(tab, "open_key", "files"), path)
        log.info("opening %s in %s", path, type(tab).__name__)
        tab.open_path(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and hasattr(self.current_tab(), "open_path"):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_in_current_tab(urls[0].toLocalFile())
            event.acceptProposedAction()

    def workers(self) -> list[JobWorker]:
        return self.findChildren(JobWorker)

    def busy(self) -> bool:
        return any(w.is_running() for w in self.workers())

    # -- state ----------------------------------------------------------------
    def _restore(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        self.tabs.setCurrentIndex(int(settings.value("window/tab", 0, type=int)) % self.tabs.count())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        workers = [w for w in self.workers() if w.is_running()]
        for worker in workers:
            log.info("closing: stopping a running job")
            worker.cancel()
        deadline = time.monotonic() + CLOSE_BUDGET_S
        for worker in workers:
            worker.shutdown(int(max(0.0, deadline - time.monotonic()) * 1000))
        if self.remember:
            for i in range(self.tabs.count()):
                save_state = getattr(self.tabs.widget(i), "save_state", None)
                if save_state is not None:
                    save_state()
            settings = app_settings()
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/tab", self.tabs.currentIndex())
        super().closeEvent(event)

