"""The command line: help and version work without Qt or TensorFlow, subcommands plug in by module."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
from cli import main
try:
    main({argv!r})
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("PySide6", "tensorflow", "keras", "music21") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_import_neither_qt_nor_tensorflow(argv):
    result = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stdout, result.stdout


def test_version_names_the_package_version():
    from engine.version import app_version

    result = subprocess.run([sys.executable, "main.py", "--version"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"Sequence Studio {app_version()}"


def test_subcommands_are_discovered_from_the_cli_package(monkeypatch, tmp_path):
    """A new module with register() becomes a subcommand without touching any other file."""
    import cli

    package = tmp_path / "extra"
    package.mkdir()
    (package / "hello.py").write_text(
        "def register(sub):\n"
        "    p = sub.add_parser('hello', help='say hello')\n"
        "    p.add_argument('--name', default='world')\n"
        "    p.set_defaults(handler=lambda a: print('hello ' + a.name) or 7)\n"
    )
    monkeypatch.setattr(cli, "__path__", [*cli.__path__, str(package)])
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    real_import = importlib.import_module
    monkeypatch.setattr(cli.importlib, "import_module",
                        lambda name: real_import("extra.hello") if name == "cli.hello" else real_import(name))
    assert cli.main(["hello", "--name", "studio"]) == 7


def test_version_in_source_matches_pyproject():
    tomllib = pytest.importorskip("tomllib")

    from engine import version

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version._FALLBACK_VERSION == declared
