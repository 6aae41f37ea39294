"""What goes into the packaged app and what stays out.

Read by ``sequence_studio.spec`` (at build time) and by ``tests/test_packaging.py``
(which checks it against the sources), so both agree on one list. Nothing here
imports Qt, TensorFlow or PyInstaller.

PyInstaller follows ``import`` statements, including those inside functions, so
most of the app is found on its own. What it cannot see:

- ``cli/__init__.py`` discovers its subcommand modules with ``pkgutil`` and
  imports them by name, so every ``cli.*`` module is listed explicitly;
- mido loads its MIDI backend by name (``mido.Backend("mido.backends.rtmidi")``);
- TensorFlow maps ``tf.keras`` onto ``keras`` lazily (the contributed TensorFlow
  hook already collects both; they are listed so the build does not depend on it),
  and Keras reads and writes ``.keras`` files through h5py.

Qt plugins are trimmed in ``hooks/hook-PySide6.QtGui.py`` (before PyInstaller
follows their library dependencies, so a dropped plugin brings nothing in) and
again in the spec (a safety net for plugins other hooks add).
"""

from __future__ import annotations

import ast
import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP_NAME = "sequence-studio"  # executable and folder name under dist/
APP_PACKAGES = ("cli", "engine", "gui")
ENTRY_POINT = "main.py"

# Modules the app imports by name or lazily, beyond what import statements show.
LAZY_IMPORTS = (
    "tensorflow",
    "keras",
    "h5py",
    "music21",
    "mido",
    "mido.backends",
    "mido.backends.rtmidi",
    "mido.backends.rtmidi_utils",
    "rtmidi",
)

# Installed distributions whose metadata the app reads at run time with
# importlib.metadata (the version in --version and About, the library versions in About).
METADATA_DISTS = ("sequence-studio", "PySide6-Essentials", "music21")

# pyqtgraph imports these Qt modules when it is imported (OpenGL helpers, SVG
# export, QTest-based waiting), so they stay even if the app never names them.
PYQTGRAPH_QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtOpenGL", "QtOpenGLWidgets", "QtSvg", "QtTest")

# Installed, but never used by the app at run time.
NOT_NEEDED = (
    "matplotlib",  # music21 imports it only inside its graphing functions
    "mpl_toolkits",
    "PIL",
    "tkinter",
    "_tkinter",
    "IPython",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "PyInstaller",
    "ruff",
    "tensorboard",
    "grpc",  # only TensorFlow's remote debugger (tfdbg) uses it; importing TensorFlow does not
    "tests",
)

# Qt plugins kept. Everything else under these plugin folders is dropped: the
# app draws with QPainter in a QWidget window on X11 (or offscreen).
QT_PLUGIN_KEEP = {
    "platforms": ("libqxcb.so", "libqoffscreen.so", "libqminimal.so"),
    "platformthemes": ("libqxdgdesktopportal.so",),
    # compose keys and IBus input methods; the virtual keyboard would pull in QtQuick
    "platforminputcontexts": ("libcomposeplatforminputcontextplugin.so", "libibusplatforminputcontextplugin.so"),
}
QT_PLUGIN_DROP = (
    "egldeviceintegrations",  # EGLFS, for running without a window system
    "generic",  # evdev and TUIO input, only for the linuxfb and EGLFS platforms
    "wayland-*",  # on Wayland the app runs through XWayland
)
# Icons are drawn from SVG (iconengines/libqsvgicon.so, imageformats/libqsvg.so)
# and PNG (built into QtGui); the other image formats are not needed.
QT_IMAGEFORMATS_KEEP = ("libqsvg.so", "libqico.so", "libqjpeg.so")

# Files inside packages that are never needed at run time. The two TensorFlow
# extensions (45 MB) are not loaded by importing TensorFlow, by training, running,
# saving or loading a Keras LSTM, nor by tf.GradientTape; the smoke test runs those.
DATA_DROP = (
    "tensorflow/include/*",
    "tensorflow/xla_aot_runtime_src/*",
    "tensorflow/compiler/mlir/stablehlo/stablehlo_extension*",  # StableHLO Python bindings (26 MB)
    "tensorflow/compiler/tf2xla/ops/_xla_ops*",  # raw XLA op wrappers for tf.raw_ops.Xla* (19 MB)
    "PySide6/Qt/translations/*",  # Qt's own translations: the app is in English and loads none (7 MB)
    "*/__pycache__/*",
)

ICON_SIZES = (16, 32, 48, 64, 128, 256)

# Sampled sound (engine/jazz/render.py): libfluidsynth is loaded with ctypes, which PyInstaller cannot
# follow, so the library (PyInstaller then collects what it links to) and the General MIDI SoundFont
# are added by path. The app looks in its own folder first: the library beside its other libraries,
# the SoundFont as soundfonts/FluidR3_GM.sf2 with its copyright file.
FLUIDSYNTH_LIBRARY = "libfluidsynth.so.3"  # Debian's libfluidsynth3
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")  # Debian's fluid-soundfont-gm: MIT licence, 141 MB
SOUNDFONT_COPYRIGHT = Path("/usr/share/doc/fluid-soundfont-gm/copyright")
SOUNDFONT_FOLDER = "soundfonts"


def sampled_sound_files() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(binaries, datas) entries for the spec: libfluidsynth and the SoundFont with its licence.

    Raises FileNotFoundError naming the Debian package to install when one is missing, so a
    build never ships an app that has silently lost its instruments.
    """
    folders = ("/usr/lib", "/usr/lib64", "/lib")  # and their multiarch folders (x86_64-linux-gnu...)
    libraries = sorted(p for f in folders for pattern in (FLUIDSYNTH_LIBRARY, f"*/{FLUIDSYNTH_LIBRARY}")
                       for p in Path(f).glob(pattern))
    if not libraries:
        raise FileNotFoundError(f"{FLUIDSYNTH_LIBRARY} is missing: apt-get install libfluidsynth3")
    if not SOUNDFONT.is_file():
        raise FileNotFoundError(f"{SOUNDFONT} is missing: apt-get install fluid-soundfont-gm")
    datas = [(str(SOUNDFONT), SOUNDFONT_FOLDER)]
    if SOUNDFONT_COPYRIGHT.is_file():
        datas.append((str(SOUNDFONT_COPYRIGHT), SOUNDFONT_FOLDER))
    return [(str(libraries[0]), ".")], datas  # by its soname, the name the app loads


def icon_png(size: int) -> Path:
    """Where the PNG of the application icon at ``size`` x ``size`` pixels lives."""
    return ROOT / "resources" / "icons" / f"{APP_NAME}-{size}.png"


def package_modules(package: str, root: Path = ROOT) -> list[str]:
    """Dotted names of every module in one of the app's packages, found on disk (no import)."""
    base = root / package
    names = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.append(".".join(parts))
    return names


def hidden_imports(root: Path = ROOT) -> list[str]:
    """Everything PyInstaller must collect although no import statement may name it: the app's
    own modules, the libraries it loads lazily or by name, and the Qt modules it uses (some,
    like QtMultimedia, only through ``importlib.import_module``)."""
    names: list[str] = []
    for package in APP_PACKAGES:
        names += package_modules(package, root)
    names += LAZY_IMPORTS
    names += sorted(dynamic_imports(root))
    names += [f"PySide6.{name}" for name in sorted(qt_module_closure(qt_modules_used(root)))]
    return list(dict.fromkeys(names))


def source_files(root: Path = ROOT) -> Iterator[Path]:
    """The app's own Python sources (the entry point and its packages)."""
    yield root / ENTRY_POINT
    for package in APP_PACKAGES:
        yield from sorted((root / package).rglob("*.py"))


def imported_modules(paths: Iterable[Path], statements: bool = True) -> set[str]:
    """Every module named anywhere in ``paths`` by ``import``, ``from ... import`` or
    ``importlib.import_module("literal")`` (only the last with ``statements=False``)."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not statements and isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def dynamic_imports(root: Path = ROOT) -> set[str]:
    """Modules the app imports by a literal name with ``importlib.import_module``."""
    return imported_modules(source_files(root), statements=False)


def qt_modules_used(root: Path = ROOT) -> set[str]:
    """Names like ``QtMultimedia`` of the PySide6 modules the app or pyqtgraph imports."""
    used = set(PYQTGRAPH_QT_MODULES)
    for name in imported_modules(source_files(root)):
        parts = name.split(".")
        if parts[0] == "PySide6" and len(parts) > 1 and parts[1].startswith("Qt"):
            used.add(parts[1])
    return used


def qt_module_closure(names: Iterable[str]) -> set[str]:
    """``names`` plus every PySide6 module that importing them imports (QtMultimedia needs
    QtNetwork, for example), found by importing them in a fresh interpreter."""
    import subprocess
    import sys

    names = sorted(set(names))
    probe = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module('PySide6.' + name)\n"
        "print(' '.join(m.split('.')[1] for m in sys.modules if m.startswith('PySide6.Qt')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if result.returncode != 0:
        raise RuntimeError(f"importing the Qt modules {names} failed:\n{result.stderr}")
    return set(names) | set(result.stdout.split())


def installed_qt_modules() -> set[str]:
    """Names of the PySide6 extension modules installed (``QtCore``, ``QtWebEngineCore``...)."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return set()
    folder = Path(next(iter(spec.submodule_search_locations)))
    return {p.name.split(".")[0] for p in folder.glob("Qt*.so")} | {
        p.name.split(".")[0] for p in folder.glob("Qt*.pyd")
    }


def excludes(root: Path = ROOT) -> list[str]:
    """Modules kept out of the bundle: unused libraries and every Qt module the app does not use."""
    unused_qt = sorted(installed_qt_modules() - qt_module_closure(qt_modules_used(root)))
    return [*NOT_NEEDED, *(f"PySide6.{name}" for name in unused_qt)]


def keep_file(path: str) -> bool:
    """Whether a collected file belongs in the app, by its path inside the bundle or its source path."""
    path = path.replace("\\", "/")
    if any(fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, "*/" + pattern) for pattern in DATA_DROP):
        return False
    marker = "Qt/plugins/"
    if marker not in path:
        return True
    kind, _, rest = path.split(marker, 1)[1].partition("/")
    if any(fnmatch.fnmatch(kind, pattern) for pattern in QT_PLUGIN_DROP):
        return False
    if kind in QT_PLUGIN_KEEP:
        return rest in QT_PLUGIN_KEEP[kind]
    if kind == "imageformats":
        return rest in QT_IMAGEFORMATS_KEEP
    return True
