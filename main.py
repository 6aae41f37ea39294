"""Sequence Studio: ``python main.py`` opens the window, ``python main.py --help`` lists the commands."""

import os
import sys

# TensorFlow is loaded lazily, but when it is, keep it quiet and deterministic.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def main() -> int:
    from cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
