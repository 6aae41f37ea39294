"""Test set-up: no display, quiet TensorFlow, throw-away settings, the course data if present."""

import os
from pathlib import Path

# No display in CI: pytest-qt aborts without one. The offscreen platform's default screen is 800x600,
# smaller than the window; give it a desktop-sized screen so geometry behaves as on a real one.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen = Path(__file__).with_name("offscreen-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pytest  # noqa: E402

from cli._terminal import silence_alsa  # noqa: E402

silence_alsa()  # the app's own output only: ALSA's "no sequencer" lines go to the log, as in main.py

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_folders(tmp_path_factory):
    """Point settings, logs and data folders at a temporary home for the whole run."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        os.environ[var] = str(home / sub)
    yield home


@pytest.fixture
def shared_data() -> Path:
    """The course's data folder beside the checkout; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def main_window(qtbot):
    """The real main window, shown offscreen; closed (and its jobs stopped) afterwards."""
    from gui.app import create_application
    from gui.main_window import MainWindow
    from gui.settings import app_settings

    create_application()
    app_settings().clear()  # every test starts from a first launch
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture
def jazz_tab(main_window, qtbot, monkeypatch):
    """The Jazz tab in the real window with the bundled tune loaded, previews through the numpy synthesizer."""
    monkeypatch.setenv("SEQUENCE_STUDIO_FLUIDSYNTH", "0")  # the same sound whatever is installed
    main_window.select_tab("jazz")
    jazz = main_window.tabs.currentWidget()
    qtbot.waitUntil(lambda: jazz.session.corpus is not None and not jazz.session.busy(), timeout=30_000)
    yield jazz
    main_window.select_tab("gradients")
