"""The main window: title, tabs, menus, remembered state, and nothing heavy loaded at start-up."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox, QStatusBar

from gui.main_window import MainWindow, about_versions

ROOT = Path(__file__).resolve().parent.parent


def test_window_has_title_three_tabs_menu_and_status_bar(main_window):
    assert main_window.windowTitle() == "Sequence Studio"
    tabs = main_window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Gradients", "Names", "Jazz"]
    menus = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    assert menus == ["File", "Help"]
    file_actions = [a.text().replace("&", "") for a in main_window.menuBar().actions()[0].menu().actions()]
    assert "Open…" in file_actions and "Quit" in file_actions
    assert isinstance(main_window.statusBar(), QStatusBar)


WINDOW_PROBE = """
import sys
from gui.app import create_application
from gui.main_window import MainWindow
app = create_application()
w = MainWindow()
w.select_tab({tab!r})
w.show()
app.processEvents()
print("HEAVY=" + ",".join(m for m in ("tensorflow", "keras", "music21") if m in sys.modules))
w.close()
"""


@pytest.mark.parametrize(("tab", "allowed"), [("gradients", ""), ("names", ""), ("jazz", "music21")])
def test_opening_the_window_loads_neither_tensorflow_nor_music21_before_needed(tab, allowed):
    """TensorFlow waits for the first training or check; music21 for the Jazz tab reading its piece."""
    import os

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", WINDOW_PROBE.format(tab=tab)], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    line = re.search(r"^HEAVY=(.*)$", result.stdout, re.MULTILINE)
    assert line, result.stdout
    loaded = {m for m in line.group(1).split(",") if m}
    assert loaded <= ({allowed} if allowed else set()), result.stdout


def test_select_tab_by_name_and_reject_unknown(main_window):
    main_window.select_tab("Jazz")
    assert main_window.tabs.currentIndex() == 2
    try:
        main_window.select_tab("piano")
    except ValueError as exc:
        assert "gradients, names, jazz" in str(exc)
    else:
        raise AssertionError("an unknown tab name must be refused")


def test_geometry_and_current_tab_are_remembered(qtbot, main_window):
    main_window.resize(1300, 900)
    main_window.select_tab("names")
    main_window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 1
    assert (again.width(), again.height()) == (1300, 900)
    again.close()


def test_about_lists_versions_without_loading_tensorflow(monkeypatch, main_window):
    versions = about_versions()
    for key in ("Python", "Qt", "numpy", "TensorFlow", "music21"):
        assert versions[key]
    tf = sys.modules.get("tensorflow")  # another test may have loaded it in this process
    assert versions["TensorFlow"] == (tf.__version__ if tf else "not loaded yet")
    shown = {}
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.update(title=title, text=text))
    main_window.show_about()
    assert shown["title"] == "About Sequence Studio"
    assert versions["numpy"] in shown["text"] and versions["Qt"] in shown["text"]


def test_open_action_follows_what_the_current_tab_can_open(main_window):
    for i in range(main_window.tabs.count()):
        main_window.tabs.setCurrentIndex(i)
        tab = main_window.tabs.widget(i)
        assert main_window.open_action.isEnabled() == hasattr(tab, "open_path")


def test_a_dropped_file_goes_to_the_current_tab(qtbot, main_window, tmp_path):
    opened = []


    tab = main_window.tabs.currentWidget()
    if not hasattr(tab, "open_path"):
        tab.open_path = opened.append  # the contract a tab fulfils to receive files
    else:
        original = tab.open_path
        tab.open_path = lambda p: (opened.append(p), original)
    path = tmp_path / "names.txt"
    path.write_text("a\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    main_window.dropEvent(event)
    assert opened == [str(path)]


def test_logging_goes_to_a_file_in_the_user_data_folder(qtbot, tmp_path):
    import logging

    from gui.app import setup_logging

    path = setup_logging()
    logging.getLogger("sequence_studio.test").info("hello from the test")
    for h in logging.getLogger().handlers:
        h.flush()
    assert path.name == "sequence-studio.log"
    assert "hello from the test" in path.read_text()


def _run(*args, env_extra=None, timeout=120):
    import os

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def test_screenshot_writes_a_png_of_the_requested_tab(tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "shot.png"
    result = _run("--screenshot", str(out), "--tab", "names")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 820)


def test_a_screenshot_leaves_the_remembered_window_alone(qtbot, main_window):
    main_window.select_tab("jazz")
    main_window.close()
    shot = MainWindow(remember=False)
    qtbot.addWidget(shot)
    assert shot.tabs.currentIndex() == 2  # it reads the remembered state...
    shot.select_tab("gradients")
    shot.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 2  # ...but does not write it
    again.close()


def test_screenshot_with_an_unknown_tab_fails_clearly(tmp_path):
    result = _run("--screenshot", str(tmp_path / "x.png"), "--tab", "nope")
    assert result.returncode == 2
    assert "unknown tab" in result.stderr
