"""Starting the app from the command line: screenshots of any size, a missing display or a bad screenshot path
said in one line, no library chatter on the terminal, a closed pipe ends quietly, no modal box offscreen."""

from __future__ import annotations

import argparse
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cli._args import window_size
from gui.app import display_problem

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str, env: dict[str, str] | None = None, timeout: float = 120, **kwargs):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen") if env is None else env
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=environment, **kwargs)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# -- --size --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "size"), [("1024x640", (1024, 640)), ("800X600", (800, 600)),
                                            ("1280\u00d7820", (1280, 820))])
def test_window_size_reads_width_by_height(text, size):
    assert window_size(text) == size


@pytest.mark.parametrize("text", ["1024", "x640", "1024x", "0x640", "-5x4", "axb", "99999x10", "1024x640x2"])
def test_window_size_refuses_what_is_not_a_size(text):
    with pytest.raises(argparse.ArgumentTypeError):
        window_size(text)


@pytest.mark.parametrize(("tab", "size"), [("gradients", (1024, 640)), ("jazz", (1600, 1000))])
def test_screenshot_renders_at_the_size_asked(tmp_path, tab, size):
    """The Jazz tab lists MIDI ports when it opens: ALSA's complaint about a missing sequencer stays quiet."""
    out = tmp_path / "shot.png"
    result = run_main("--screenshot", str(out), "--tab", tab, "--size", f"{size[0]}x{size[1]}")
    assert result.returncode == 0, result.stderr
    assert png_size(out) == size
    assert result.stdout.strip() == str(out) and result.stderr == ""  # nothing but the app's own line


def test_a_screenshot_smaller_than_the_window_can_be_says_what_it_made(tmp_path):
    out = tmp_path / "tiny.png"
    result = run_main("--screenshot", str(out), "--size", "200x150")
    assert result.returncode == 0, result.stderr
    width, height = png_size(out)
    assert width >= 200 and height >= 150 and (width, height) != (200, 150)
    assert result.stderr.strip() == (f"sequence-studio: the window cannot be smaller than {width}x{height}; "
                                     f"the screenshot is {width}x{height}")


# -- a screenshot path that cannot be written ------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/proc/nope/x.png", "FOLDER", "/dev/null"])
def test_an_unwritable_screenshot_path_is_one_line_and_no_hang(tmp_path, target):
    path = str(tmp_path) if target == "FOLDER" else target
    result = run_main("--screenshot", path, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("sequence-studio: ") and "screenshot" in result.stderr


# -- no display ----------------------------------------------------------------------------------------------------

def _without_display() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_without_a_display_the_window_says_so_in_one_line():
    result = run_main(env=_without_display(), timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "no display" in line and "DISPLAY is not set" in line
    assert "--screenshot" in line and "--help" in line


def test_without_a_display_screenshots_and_commands_still_work(tmp_path):
    out = tmp_path / "shot.png"
    result = run_main("--screenshot", str(out), env=_without_display())
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (1280, 820)


def test_display_problem_reads_the_environment(tmp_path):
    linux = "linux"
    assert display_problem({}, linux) == "no display to open the window on (DISPLAY is not set)"
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, linux) is None
    assert display_problem({"QT_QPA_PLATFORM": "minimal:enable_fonts"}, linux) is None
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, linux) is not None
    assert display_problem({}, "darwin") is None and display_problem({}, "win32") is None
    (tmp_path / "wayland-0").touch()
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}, linux) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}, linux) is not None


def test_a_display_nobody_answers_at_is_a_problem_and_one_that_answers_is_not():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        if port <= 6000:
            pytest.skip("the free port is below X11's range")
        server.listen(1)
        assert display_problem({"DISPLAY": f"127.0.0.1:{port - 6000}"}, "linux") is None
    problem = display_problem({"DISPLAY": f"127.0.0.1:{port - 6000}.0"}, "linux")
    assert problem == f"no display to open the window on (nothing answers at DISPLAY=127.0.0.1:{port - 6000}.0)"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets are Linux's")
def test_a_local_x_server_is_found_by_its_socket():
    number = 40000 + os.getpid() % 20000
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(f"\0/tmp/.X11-unix/X{number}")  # as Xorg and Xvfb listen, without touching /tmp
        server.listen(1)
        assert display_problem({"DISPLAY": f":{number}"}, "linux") is None
    assert display_problem({"DISPLAY": f":{number}"}, "linux") is not None


# -- the terminal: the app's own output only ----------------------------------------------------------------------

def test_doctor_prints_no_library_chatter_and_no_window_advice():
    result = run_main("doctor", "--only", "midi", "audio")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # no ALSA lib..., qt.multimedia..., FFmpeg or PulseAudio lines
    assert "Refresh" not in result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # the title and one line per check


def test_doctor_marks_what_is_missing_here_n_a_not_ok(monkeypatch, capsys):
    import engine.midi_ports
    from cli import doctor, main
    from engine.midi_ports import PortListing

    monkeypatch.setattr(engine.midi_ports, "list_output_ports",
                        lambda: PortListing([], "No MIDI system: load snd-seq, then press Refresh."))
    assert main(["doctor", "--only", "midi"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if "midi" in x]
    assert line.split()[0] == "n/a"
    assert "press Refresh" not in line and "run `sequence-studio doctor` again" in line
    [result] = doctor.run_checks(["midi"])
    assert result.ok and not result.available and result.mark == "n/a"


def test_alsa_errors_are_silenced_in_process():
    """libasound's own error printing goes through our handler: opening a sequencer that is not
    there (or any ALSA error) prints nothing on stderr."""
    probe = (
        "import ctypes, sys\n"
        "from cli._terminal import silence_alsa\n"
        "if not silence_alsa():\n"
        "    print('no-alsa'); sys.exit(0)\n"
        "lib = ctypes.CDLL('libasound.so.2')\n"
        "handle = ctypes.c_void_p()\n"
        "lib.snd_seq_open(ctypes.byref(handle), b'no-such-device-here', 1, 0)\n"
        "lib.snd_pcm_open(ctypes.byref(handle), b'no-such-device-here', 0, 0)\n"
        "print('done')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    if result.stdout.strip() == "no-alsa":
        pytest.skip("ALSA's library is not installed")
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr
    assert result.stderr == ""


def test_without_the_handler_alsa_would_have_printed():
    """The probe above is a real test: the same calls print ALSA's lines when nothing silences them."""
    probe = (
        "import ctypes\n"
        "try:\n"
        "    lib = ctypes.CDLL('libasound.so.2')\n"
        "except OSError:\n"
        "    raise SystemExit(0)\n"
        "handle = ctypes.c_void_p()\n"
        "lib.snd_pcm_open(ctypes.byref(handle), b'no-such-device-here', 0, 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    if result.returncode == 0 and not result.stderr:
        pytest.skip("ALSA's library is not installed or prints nothing here")
    assert "ALSA lib" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["names", "--help"], ["gradcheck", "--json"],
                                  ["doctor", "--only", "midi"]])
def test_a_closed_pipe_ends_quietly(args):
    """As `main.py ... | head` when head has already stopped reading: no BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        process = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], stdout=write_end,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                                 env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    finally:
        os.close(write_end)
    assert process.stderr == ""
    # 141 as for a tool stopped by SIGPIPE; argparse swallows the error of its own help text and exits 0
    assert process.returncode == (0 if "--help" in args else 141)


# -- no modal box without a screen ---------------------------------------------------------------------------------

def test_an_unhandled_error_offscreen_is_one_line_not_a_modal_box(qapp, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox

    from gui import app

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a))
    monkeypatch.setattr(sys, "__stderr__", sys.stderr)
    assert not app.modal_dialogs_allowed()  # the tests run on the offscreen platform
    try:
        raise RuntimeError("something broke")
    except RuntimeError:
        app._report_unhandled(*sys.exc_info())
    assert shown == []
    err = capsys.readouterr().err
    assert err == "sequence-studio: unexpected error: RuntimeError: something broke (details in the log file)\n"


def test_screenshot_mode_is_known_to_the_window_code(monkeypatch):
    from gui import app

    assert not app.is_screenshot_mode()
    monkeypatch.setattr(app, "_screenshot_mode", True)
    assert app.is_screenshot_mode() and not app.modal_dialogs_allowed()


def test_an_error_while_taking_a_screenshot_is_one_line_and_status_1(tmp_path):
    """An exception in a slot during --screenshot: no box waiting offscreen for a click, no hang."""
    out = tmp_path / "shot.png"
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import gui.main_window as mw\n"
        "built = mw.MainWindow.__init__\n"
        "def init(self, *args, **kwargs):\n"
        "    built(self, *args, **kwargs)\n"
        "    QTimer.singleShot(0, lambda: 1 / 0)\n"
        "mw.MainWindow.__init__ = init\n"
        "from gui.app import run_app\n"
        f"sys.exit(run_app(screenshot={str(out)!r}))\n"
    )
    # A first launch: a tab remembered by an earlier test (jazz) would open MIDI ports, and ALSA talks
    # on stderr when main.py's quieting is bypassed, as here.
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config")))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == ("sequence-studio: unexpected error: ZeroDivisionError: division by zero "
                                     "(details in the log file)")
    assert png_size(out) == (1280, 820)


def test_music21s_note_about_matplotlib_is_dropped_and_other_lines_pass(capsys):
    from cli._terminal import QuietStderr

    quiet = QuietStderr(sys.stderr)
    note = ("music21: Certain music21 functions might need the optional package matplotlib;\n"
            "                  if you run into errors, install it\n")
    assert quiet.write(note) == len(note)
    quiet.write("error: a real problem\n")
    quiet.flush()
    assert capsys.readouterr().err == "error: a real problem\n"
    assert quiet.encoding == sys.stderr.encoding


def test_without_matplotlib_music21_loads_quietly_through_main(tmp_path):
    """As in the packaged app, which leaves matplotlib out: music21's import prints nothing."""
    script = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "import importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'matplotlib' else real(name, *a)\n"
        "sys.argv = ['main.py', 'doctor', '--only', 'music21']\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import main\n"
        "sys.exit(main.main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120, env=dict(os.environ, HOME=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
