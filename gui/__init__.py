"""Sequence Studio's window: Qt widgets only. All math lives in :mod:`engine`."""
