"""Render the application icon's PNG sizes from its SVG.

Usage: ``python packaging/render_icons.py`` writes
``resources/icons/sequence-studio-<size>.png`` for every size in
:data:`bundle.ICON_SIZES`. Run it again whenever the SVG changes and commit the PNGs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bundle  # noqa: E402

SVG = bundle.ROOT / "resources" / "icons" / f"{bundle.APP_NAME}.svg"


def render(svg: Path, size: int):
    """The SVG drawn into a transparent ``size`` x ``size`` ARGB QImage."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (fonts, plugins)
    for size in bundle.ICON_SIZES:
        target = bundle.icon_png(size)
        if not render(SVG, size).save(str(target), "PNG"):
            print(f"error: could not write {target}", file=sys.stderr)
            return 1
        print(f"{target.relative_to(bundle.ROOT)}  {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
