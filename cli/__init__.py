"""The command line: ``python main.py [--screenshot PATH] [--tab NAME] [--size WxH] | <command> ...``.

Each module in this package that defines ``register(subparsers)`` adds one
subcommand (``names``, ``jazz``, ``gradcheck``...). ``register`` must only
build the parser -- heavy imports (numpy is fine, TensorFlow and Qt are not)
belong inside the handler it sets with ``parser.set_defaults(handler=...)``.
A handler takes the parsed ``argparse.Namespace`` and returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from cli._args import window_size
from engine.version import APP_NAME, app_version

__all__ = ["build_parser", "main"]


def _command_modules():
    """The subcommand modules of this package, in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sequence-studio",
        description=f"{APP_NAME}: learn, inspect and play with sequence models. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {app_version()}")
    parser.add_argument("--screenshot", metavar="PATH", help="render the window offscreen to a PNG and exit")
    parser.add_argument("--tab", metavar="NAME", help="tab to show first: gradients, names or jazz")
    parser.add_argument("--size", metavar="WxH", type=window_size,
                        help="window size in pixels, e.g. 1024x640 (screenshots default to 1280x820)")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for module in _command_modules():
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args) or 0)
    from gui.app import run_app  # Qt is imported only when a window is wanted

    return run_app(screenshot=args.screenshot, tab=args.tab, size=args.size)
