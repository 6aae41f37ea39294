"""Packaging, checked without building: the spec's lists against the sources and the installed
libraries, the desktop entry, the icons, the build helpers. ``make package-test`` builds the
app and runs it (packaging/smoke_test.sh)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import pkgutil
import shutil
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle  # noqa: E402


@pytest.fixture(scope="module")
def hidden() -> set[str]:
    return set(bundle.hidden_imports())


@pytest.fixture(scope="module")
def excluded() -> set[str]:
    return set(bundle.excludes())


# -- what the spec collects ---------------------------------------------------------------------------------------

def test_every_cli_subcommand_module_is_collected(hidden):
    """cli/__init__.py finds its subcommands with pkgutil at run time; PyInstaller cannot see them."""
    import cli

    discovered = {f"cli.{m.name}" for m in pkgutil.iter_modules(cli.__path__)}
    assert discovered, "no subcommand modules found"
    assert discovered <= hidden, discovered - hidden


@pytest.mark.parametrize("module", ["tensorflow", "keras", "h5py", "music21", "mido.backends.rtmidi", "rtmidi"])
def test_libraries_loaded_lazily_are_hidden_imports_and_installed(hidden, module):
    assert module in hidden
    assert importlib.util.find_spec(module) is not None


def test_the_midi_backend_the_app_names_is_collected(hidden):
    from engine.midi_ports import BACKEND

    assert BACKEND in hidden


def test_every_module_imported_by_a_literal_name_is_collected(hidden):
    by_name = bundle.dynamic_imports()
    assert by_name <= hidden, by_name - hidden


def test_import_scanner_sees_statements_in_functions_and_import_module_calls(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import json\n"
        "from os import path\n"
        "def later():\n"
        "    import tensorflow as tf\n"
        "    from PySide6.QtMultimedia import QMediaPlayer\n"
        "    return importlib.import_module('mido.backends.rtmidi'), import_module('keras')\n"
        "from . import sibling\n"
    )
    assert bundle.imported_modules([source]) == {
        "json", "os", "os.path", "tensorflow", "PySide6.QtMultimedia", "PySide6.QtMultimedia.QMediaPlayer",
        "mido.backends.rtmidi", "keras",
    }
    assert bundle.imported_modules([source], statements=False) == {"mido.backends.rtmidi", "keras"}


@pytest.mark.parametrize("package", bundle.APP_PACKAGES)
def test_app_modules_found_on_disk_include_all_python_finds(package):
    module = importlib.import_module(package)
    expected = {package} | {m.name for m in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")}
    assert expected <= set(bundle.package_modules(package))


# -- what the spec leaves out ---------------------------------------------------------------------------------------

def test_nothing_the_app_imports_is_excluded(excluded):
    imported = bundle.imported_modules(bundle.source_files())
    clashes = {m for m in imported for e in excluded if m == e or m.startswith(e + ".")}
    assert not clashes


def test_qt_modules_kept_include_what_pyqtgraph_and_the_app_import(excluded):
    kept = bundle.installed_qt_modules() - {e.split(".", 1)[1] for e in excluded if e.startswith("PySide6.")}
    assert {"QtCore", "QtGui", "QtWidgets", "QtSvg"} <= kept
    for unused in ("QtWebEngineCore", "Qt3DCore", "QtPdf", "QtQuick", "QtQml", "QtDesigner"):
        if unused in bundle.installed_qt_modules() and unused not in bundle.qt_modules_used():
            assert f"PySide6.{unused}" in excluded


def test_qt_closure_adds_the_modules_a_module_imports():
    assert "QtCore" in bundle.qt_module_closure(["QtWidgets"])
    if "QtMultimedia" in bundle.installed_qt_modules():
        assert "QtNetwork" in bundle.qt_module_closure(["QtMultimedia"])


@pytest.mark.slow
def test_app_libraries_work_with_the_excluded_modules_blocked(excluded):
    """Import the app and run the doctor's checks as the bundle will: every excluded module unimportable."""
    probe = (
        "import sys\n"
        "for name in sys.argv[1].split(','):\n"
        "    sys.modules[name] = None  # import fails and find_spec gives None, as in the bundle\n"
        "import pyqtgraph, gui.main_window\n"
        "from cli.doctor import run_checks\n"
        "bad = [r for r in run_checks() if not r.ok]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", probe, ",".join(sorted(excluded))], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


@pytest.mark.parametrize(("path", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("/venv/site-packages/PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
    ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
    ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", True),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("tensorflow/include/tensorflow/core/framework/tensor.h", False),
    ("tensorflow/compiler/tf2xla/ops/_xla_ops.so", False),
    ("tensorflow/libtensorflow_cc.so.2", True),
    ("resources/names/dinosaurs.txt", True),
])
def test_keep_file(path, kept):
    assert bundle.keep_file(path) is kept


def test_spec_reads_its_lists_from_the_bundle_module():
    tree = ast.parse((PACKAGING / "sequence_studio.spec").read_text())
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"bundle.hidden_imports", "bundle.excludes", "bundle.keep_file", "Analysis", "COLLECT"} <= calls


def test_qt_hook_overrides_an_existing_pyside6_module():
    hooks = list((PACKAGING / "hooks").glob("hook-PySide6.*.py"))
    assert hooks
    for hook in hooks:
        module = hook.stem.removeprefix("hook-")
        assert importlib.util.find_spec(module) is not None, module


def test_smoke_test_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(PACKAGING / "smoke_test.sh")], check=True)
    subprocess.run(["bash", "-n", str(PACKAGING / "install-desktop-entry.sh")], check=True)


# -- build helpers ---------------------------------------------------------------------------------------------------

def test_archive_holds_the_folder_and_sizes_add_up(tmp_path):
    import build

    folder = tmp_path / "sequence-studio"
    (folder / "_internal" / "pkg").mkdir(parents=True)
    (folder / "sequence-studio").write_bytes(b"x" * 300)
    (folder / "_internal" / "pkg" / "a.so").write_bytes(b"y" * 2000)
    (folder / "_internal" / "lib.so").write_bytes(b"z" * 1000)
    target = tmp_path / build.archive_name("9.8.7")
    build.make_archive(folder, target)

    assert target.name == "sequence-studio-9.8.7-linux-x86_64.tar.gz"
    with tarfile.open(target) as tar:
        names = set(tar.getnames())
    assert {"sequence-studio/sequence-studio", "sequence-studio/_internal/pkg/a.so"} <= names
    assert build.folder_size(folder) == 3300
    assert build.heaviest_parts(folder, folder / "_internal") == [("pkg", 2000), ("lib.so", 1000),
                                                                   ("sequence-studio", 300)]


# -- desktop integration ---------------------------------------------------------------------------------------------

MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
                   "Office", "Science", "Settings", "System", "Utility"}
STANDARD_KEYS = {"Type", "Version", "Name", "GenericName", "NoDisplay", "Comment", "Icon", "Hidden", "OnlyShowIn",
                 "NotShowIn", "DBusActivatable", "TryExec", "Exec", "Path", "Terminal", "Actions", "MimeType",
                 "Categories", "Implements", "Keywords", "StartupNotify", "StartupWMClass", "URL",
                 "PrefersNonDefaultGPU", "SingleMainWindow"}


@pytest.fixture(scope="module")
def desktop_entry() -> dict[str, str]:
    text = (PACKAGING / "sequence-studio.desktop").read_text(encoding="utf-8")
    for line in text.splitlines():
        assert line == "" or line.startswith(("#", "[")) or "=" in line, line
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def test_desktop_entry_keys(desktop_entry):
    assert set(desktop_entry) <= STANDARD_KEYS
    assert desktop_entry["Type"] == "Application"
    assert desktop_entry["Name"] == "Sequence Studio"
    assert desktop_entry["Exec"].split()[0] == bundle.APP_NAME
    assert desktop_entry["TryExec"] == bundle.APP_NAME
    assert desktop_entry["Icon"] == bundle.APP_NAME
    assert desktop_entry["Terminal"] == "false"
    categories = desktop_entry["Categories"]
    assert categories.endswith(";")
    assert MAIN_CATEGORIES & set(categories.split(";"))


def test_desktop_entry_passes_desktop_file_validate():
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed")
    result = subprocess.run([validator, str(PACKAGING / "sequence-studio.desktop")], capture_output=True, text=True)
    assert result.returncode == 0 and "error" not in result.stdout.lower(), result.stdout


def test_install_script_adds_and_removes_the_menu_entry(tmp_path):
    app = tmp_path / "opt" / "sequence studio"  # a space in the path, on purpose
    (app / "_internal" / "resources").mkdir(parents=True)
    shutil.copytree(ROOT / "resources" / "icons", app / "_internal" / "resources" / "icons")
    shutil.copy(PACKAGING / "sequence-studio.desktop", app)
    shutil.copy(PACKAGING / "install-desktop-entry.sh", app)
    (app / "sequence-studio").write_text("#!/bin/sh\n")
    (app / "sequence-studio").chmod(0o755)
    data = tmp_path / "data"
    env = dict(os.environ, XDG_DATA_HOME=str(data), PATH="/usr/bin:/bin")

    subprocess.run(["bash", str(app / "install-desktop-entry.sh")], env=env, check=True, capture_output=True)
    entry = (data / "applications" / "sequence-studio.desktop").read_text()
    assert f'Exec="{app}/sequence-studio"' in entry
    assert f"TryExec={app}/sequence-studio" in entry
    for size in bundle.ICON_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "sequence-studio.png").is_file()

    subprocess.run(["bash", str(app / "install-desktop-entry.sh"), "--uninstall"], env=env, check=True,
                   capture_output=True)
    assert not (data / "applications" / "sequence-studio.desktop").exists()
    assert not list((data / "icons").rglob("*.png"))


def png_header(path: Path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


@pytest.mark.parametrize("size", bundle.ICON_SIZES)
def test_icon_png_sizes_exist_with_alpha(size):
    assert png_header(bundle.icon_png(size)) == (size, size, 8, 6)  # 8-bit RGBA


@pytest.mark.parametrize("size", [16, 256])
def test_icon_pngs_match_the_svg(qapp, size):
    """The committed PNGs are up to date: rendering the SVG again gives the same picture."""
    import render_icons
    from PySide6.QtGui import QImage

    fresh = render_icons.render(render_icons.SVG, size)
    committed = QImage(str(bundle.icon_png(size))).convertToFormat(fresh.format())
    assert committed.size() == fresh.size()
    diffs = [abs(a - b) for a, b in zip(bytes(committed.constBits()), bytes(fresh.constBits()), strict=True)]
    assert sum(diffs) / len(diffs) < 1.0
    corner, centre = committed.pixelColor(0, 0), committed.pixelColor(size // 2, size // 2)
    assert corner.alpha() == 0 and centre.alpha() == 255  # a rounded tile on a transparent ground


# -- the smoke test's own logic, on a fake app ------------------------------------------------------------------------

FAKE_APP = r"""#!/bin/bash
here="$(cd "$(dirname "$0")" && pwd)"
case "$1" in
  --version) echo "Sequence Studio 9.9.9" ;;
  --help) printf 'usage: sequence-studio\n\npositional arguments:\n  <command>\n%s' "$(cat "$here/commands")" ;;
  --screenshot) cp "$here/shot.png" "$2" && echo "$2" ;;
  jazz)
    case "$2 ${3:-}" in
      "--help ") printf '    train     learn\n    generate  improvise\n' ;;
      "train --help") echo "  --out MODEL_DIR" ;;
      "train "*) echo "jazz training broke" >&2; exit 3 ;;
    esac ;;
  *) echo "unknown: $*" >&2; exit 2 ;;
esac
"""


def fake_archive(tmp_path: Path, commands: str) -> Path:
    """A dist archive whose 'app' is a shell script answering like sequence-studio."""
    from PySide6.QtGui import QColor, QImage

    folder = tmp_path / "sequence-studio"
    (folder / "_internal" / "sequence_studio-9.9.9.dist-info").mkdir(parents=True)
    (folder / "_internal" / "sequence_studio-9.9.9.dist-info" / "METADATA").write_text("Version: 9.9.9\n")
    (folder / "sequence-studio").write_text(FAKE_APP)
    (folder / "sequence-studio").chmod(0o755)
    (folder / "commands").write_text(commands)
    image = QImage(1280, 820, QImage.Format.Format_RGB32)
    for y in range(820):  # stripes, so that the PNG is not trivially small
        for x in range(0, 1280, 7):
            image.setPixelColor(x, y, QColor((x * 7 + y * 13) % 256, (x * y) % 256, (y * 5) % 256))
    assert image.save(str(folder / "shot.png"))
    archive = tmp_path / "sequence-studio-9.9.9-linux-x86_64.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="sequence-studio")
    return archive


def run_smoke(archive: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(PACKAGING / "smoke_test.sh"), str(archive)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, TMPDIR=str(archive.parent)))


def test_smoke_test_skips_commands_the_app_does_not_have(qapp, tmp_path):
    result = run_smoke(fake_archive(tmp_path, commands=""))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skip doctor" in result.stdout and "skip gradcheck" in result.stdout
    assert "skip names train" in result.stdout
    assert "skip jazz train and generate" in result.stdout
    assert result.stdout.count("1280x820") == 3


def test_smoke_test_fails_loudly_when_a_present_command_fails(qapp, tmp_path):
    result = run_smoke(fake_archive(tmp_path, commands="    jazz      improvise\n"))
    assert result.returncode == 1
    assert "SMOKE TEST FAILED: 'sequence-studio jazz train --epochs 2 --json --out" in result.stderr
    assert "exited with status 3" in result.stderr and "jazz training broke" in result.stderr
