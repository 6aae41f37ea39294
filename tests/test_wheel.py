"""The Python package: the sdist and the wheel carry every module and resource, and install the app's names
under one folder, site-packages/sequence_studio/. packaging/wheel_test.sh (CI) installs the wheel into a new
venv and runs the installed commands; here the wheel is built from a copy of the sources and read."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("cli", "engine", "gui")
APP_NAMES = ("main", *APP_PACKAGES)  # what the code imports by its short name
PACKAGE = "sequence_studio"  # the one folder they are installed in

tomllib = pytest.importorskip("tomllib")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def on_disk_modules() -> set[str]:
    """main.py and every .py file of the app's packages, as paths relative to the repository."""
    found = {"main.py"}
    for package in APP_PACKAGES:
        found |= {p.relative_to(ROOT).as_posix() for p in (ROOT / package).rglob("*.py")
                  if "__pycache__" not in p.parts}
    return found


def on_disk_resources() -> set[str]:
    from engine.resources import resource_files

    return {f"resources/{name}" for name in resource_files()}


def _copy_sources(target: Path) -> None:
    """The checkout without its venv, git data, build output and caches (what a clean clone holds)."""
    skip = shutil.ignore_patterns(".git", ".venv", ".venv-*", "dist", "build", "*.egg-info", "__pycache__",
                                  ".pytest_cache", ".ruff_cache", ".hypothesis", "out")
    shutil.copytree(ROOT, target, ignore=skip, symlinks=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """An sdist and the wheel built from it (python -m build), from a copy of the sources."""
    if importlib.util.find_spec("build") is None:
        pytest.skip("the 'build' package is not installed (pip install -e '.[dev]')")
    base = tmp_path_factory.mktemp("wheel")
    source, out = base / "src", base / "dist"
    _copy_sources(source)
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist, "base": base}


@pytest.fixture(scope="module")
def wheel_files(built) -> set[str]:
    with zipfile.ZipFile(built["wheel"]) as wheel:
        return {name for name in wheel.namelist() if not name.endswith("/")}


# -- without building ----------------------------------------------------------------------------------------------

def test_pyproject_lists_every_package_on_disk():
    """Packages mapped under sequence_studio are listed by hand; a new sub-package must be added there."""
    on_disk = {PACKAGE} | {
        f"{PACKAGE}." + ".".join(p.parent.relative_to(ROOT).parts)
        for package in APP_PACKAGES for p in (ROOT / package).rglob("__init__.py")
    }
    assert set(pyproject()["tool"]["setuptools"]["packages"]) == on_disk


def test_the_commands_run_main_from_the_package():
    project = pyproject()["project"]
    assert project["scripts"] == {"sequence-studio": f"{PACKAGE}.main:main"}
    assert project["gui-scripts"] == {"sequence-studio-gui": f"{PACKAGE}.main:main"}


def test_resources_are_found_beside_the_engine():
    from engine.resources import resource_files, resource_path

    names = resource_files()
    assert {"names/dinosaurs.txt", "jazz/studio_blues.mid", "icons/sequence-studio.svg"} <= set(names)
    assert all(resource_path(*name.split("/")).is_file() for name in names)


def test_no_other_installed_distribution_provides_the_app_names():
    """Inside the app, its folder comes first on sys.path, so its main, cli, engine and gui shadow any others:
    a library that imported another distribution's module of one of these names would get ours instead."""
    clashes = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().replace("_", "-") == "sequence-studio":
            continue
        tops = set((dist.read_text("top_level.txt") or "").split())
        tops |= {Path(f).parts[0].removesuffix(".py") for f in (dist.files or []) if not str(f).startswith("..")}
        if tops & {*APP_NAMES, PACKAGE}:
            clashes[name] = sorted(tops & {*APP_NAMES, PACKAGE})
    assert not clashes


# -- the built sdist and wheel -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_wheel_holds_every_resource(wheel_files):
    resources = on_disk_resources()
    assert resources  # the corpus, the jazz piece, the icons and whatever is added under resources/
    missing = {r for r in resources if f"{PACKAGE}/{r}" not in wheel_files}
    assert not missing


@pytest.mark.slow
def test_wheel_holds_every_module(wheel_files):
    missing = {m for m in on_disk_modules() if f"{PACKAGE}/{m}" not in wheel_files}
    assert not missing


@pytest.mark.slow
def test_wheel_installs_everything_under_one_folder(wheel_files, built):
    version = built["wheel"].name.split("-")[1]
    tops = {name.split("/", 1)[0] for name in wheel_files}
    assert tops == {PACKAGE, f"{PACKAGE}-{version}.dist-info"}
    stray = {n for n in wheel_files if n.startswith(f"{PACKAGE}/")
             and n.removeprefix(f"{PACKAGE}/") not in on_disk_modules() | on_disk_resources()}
    assert not stray  # no tests, scripts or checkout files ride along


@pytest.mark.slow
def test_sdist_holds_every_resource_and_module(built):
    with tarfile.open(built["sdist"]) as sdist:
        names = {"/".join(m.name.split("/")[1:]) for m in sdist.getmembers() if m.isfile()}
    assert on_disk_resources() <= names
    assert on_disk_modules() <= names
    assert {"pyproject.toml", "README.md", "constraints.txt", "Makefile", "tests/conftest.py"} <= names


@pytest.mark.slow
def test_unpacked_wheel_runs_with_its_own_packages_and_resources(built, tmp_path):
    """main() puts site-packages/sequence_studio first on sys.path: the app imports its own engine, from
    there, and reads its resources there, whatever else is importable (here: the checkout's editable install)."""
    site = built["base"] / "site"
    if not site.exists():
        with zipfile.ZipFile(built["wheel"]) as wheel:
            wheel.extractall(site)
    probe = (
        "import sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "from sequence_studio.main import _own_folder_first\n"
        "_own_folder_first()\n"
        "import cli, engine, gui\n"
        "from engine.resources import resource_path\n"
        "print(engine.__file__, cli.__file__, gui.__file__, resource_path('names', 'dinosaurs.txt'), sep='\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, env=dict(os.environ, PYTHONPATH=""))
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert all(p.is_relative_to(site / PACKAGE) for p in paths), paths
    assert paths[-1].is_file()


def test_main_puts_its_own_folder_first(monkeypatch):
    import main

    here = str(ROOT)
    monkeypatch.setattr(sys, "path", ["/elsewhere", here, "/other"])
    main._own_folder_first()
    assert sys.path == [here, "/elsewhere", "/other"]
    monkeypatch.setattr(sys, "path", ["/elsewhere"])
    main._own_folder_first()
    assert sys.path == [here, "/elsewhere"]


def test_the_packaged_app_reads_resources_from_its_unpack_folder(monkeypatch, tmp_path):
    from engine import resources

    (tmp_path / "resources" / "names").mkdir(parents=True)
    (tmp_path / "resources" / "names" / "dinosaurs.txt").write_text("aardonyx\n")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("names", "dinosaurs.txt") == tmp_path / "resources" / "names" / "dinosaurs.txt"
    assert resources.resource_files() == ["names/dinosaurs.txt"]
