"""Sequence Studio: ``python main.py`` opens the window, ``python main.py --help`` lists the commands.

Installed from the wheel, this file, ``cli/``, ``engine/``, ``gui/`` and
``resources/`` all live in one folder, ``site-packages/sequence_studio/``, and
the ``sequence-studio`` command runs :func:`main` from there. The code imports
its packages by their short names (``engine``, ``gui``...), so :func:`main`
first puts that folder at the front of ``sys.path``: the app finds its own
packages, and nothing named ``engine`` or ``cli`` is installed at the top of
site-packages for other programs to trip over.
"""

import errno
import os
import sys

# TensorFlow is loaded lazily, but when it is, keep it quiet and deterministic.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def _own_folder_first() -> None:
    """Make ``cli``, ``engine`` and ``gui`` importable, ahead of any others: they sit beside this file."""
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path[:1] != [here]:
        if here in sys.path:
            sys.path.remove(here)
        sys.path.insert(0, here)


def main() -> int:
    try:
        _own_folder_first()
        from cli._terminal import output_failed, quiet_native_libraries, stdout_closed

        quiet_native_libraries()
        from cli import main as cli_main

        try:
            try:
                return cli_main(sys.argv[1:])
            finally:
                if sys.stdout is not None:  # None in a Windows GUI process
                    sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
        except BrokenPipeError:  # `... | head` read what it wanted and closed the pipe
            return stdout_closed()
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
                raise
            return output_failed(exc)  # `> /dev/full`, a full disk: the command's own files are saved atomically
    except KeyboardInterrupt:
        # Ctrl-C before a command listens for it (while the libraries load or a file is read), or a
        # second one while it stops: saves are atomic, so stopping here loses nothing already saved.
        print("interrupted: stopped at once", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
