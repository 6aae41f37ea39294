# Replaces PyInstaller's own hook for PySide6.QtGui: the same collection, minus
# the Qt plugins the app does not use (see packaging/bundle.py). Dropping them
# here, before PyInstaller follows their library dependencies, also keeps out what
# only they need (QtQuick and QtQml for the virtual keyboard, GTK for its theme,
# QtPdf for the PDF image format, the Wayland and EGLFS integrations).
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bundle  # noqa: E402
from PyInstaller.utils.hooks.qt import add_qt6_dependencies  # noqa: E402

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries if bundle.keep_file(src)]
