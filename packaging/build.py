"""Build the packaged app: ``python packaging/build.py`` (what ``make package`` runs).

Runs PyInstaller on ``packaging/sequence_studio.spec`` into ``dist/sequence-studio/``,
adds the desktop entry and its installer beside the executable, packs the folder
into ``dist/sequence-studio-<version>-linux-x86_64.tar.gz`` and prints how long that
took and what weighs most.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bundle  # noqa: E402

SPEC = HERE / "sequence_studio.spec"
EXTRAS = ("sequence-studio.desktop", "install-desktop-entry.sh")  # copied beside the executable


def app_version() -> str:
    sys.path.insert(0, str(ROOT))
    from engine.version import app_version as version

    return version()


def archive_name(version: str) -> str:
    return f"{bundle.APP_NAME}-{version}-linux-x86_64.tar.gz"


def run_pyinstaller(dist: Path, work: Path, clean: bool) -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work)]
    if clean:
        command.append("--clean")
    command.append(str(SPEC))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def add_extras(folder: Path) -> None:
    for name in EXTRAS:
        target = folder / name
        shutil.copy2(HERE / name, target)
        if name.endswith(".sh"):
            target.chmod(0o755)


def make_archive(folder: Path, target: Path) -> None:
    """A gzipped tar of ``folder`` (kept as the archive's top folder), written atomically."""
    partial = target.with_name(target.name + ".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    partial.replace(target)


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def heaviest_parts(folder: Path, depth_root: Path, count: int = 12) -> list[tuple[str, int]]:
    """The biggest top-level entries of ``depth_root`` (packages, libraries), by total size."""
    sizes: Counter[str] = Counter()
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                rel = path.relative_to(depth_root)
            except ValueError:
                rel = path.relative_to(folder)
            sizes[rel.parts[0]] += path.lstat().st_size
    return sizes.most_common(count)


def heaviest_files(folder: Path, count: int = 8) -> list[tuple[str, int]]:
    files = [(str(p.relative_to(folder)), p.lstat().st_size)
             for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted(files, key=lambda f: -f[1])[:count]


def mb(n: int) -> str:
    return f"{n / 1e6:8.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache and build folder first")
    parser.add_argument("--no-archive", action="store_true", help="build the folder only")
    args = parser.parse_args(argv)

    dist, work = ROOT / "dist", ROOT / "build" / "pyinstaller"
    folder = dist / bundle.APP_NAME
    version = app_version()
    load = os.getloadavg()

    started = time.monotonic()
    run_pyinstaller(dist, work, args.clean)
    add_extras(folder)
    built = time.monotonic()
    archive = dist / archive_name(version)
    if not args.no_archive:
        make_archive(folder, archive)
    packed = time.monotonic()

    internal = folder / "_internal"
    print(f"\n{bundle.APP_NAME} {version}: {folder.relative_to(ROOT)}")
    print(f"  folder  {mb(folder_size(folder))}   built in {built - started:6.1f} s "
          f"(load average at start {load[0]:.2f} on {os.cpu_count()} cores)")
    if not args.no_archive:
        print(f"  archive {mb(archive.stat().st_size)}   packed in {packed - built:5.1f} s: "
              f"{archive.relative_to(ROOT)}")
    print("  heaviest parts:")
    for name, size in heaviest_parts(folder, internal):
        print(f"    {mb(size)}  {name}")
    print("  heaviest files:")
    for name, size in heaviest_files(folder):
        print(f"    {mb(size)}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
