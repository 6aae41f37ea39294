#!/usr/bin/env bash
# Add Sequence Studio to the desktop's application menu (for this user), or remove it with --uninstall.
# Run it from the unpacked folder: ./install-desktop-entry.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
entry="$data/applications/sequence-studio.desktop"
sizes=(16 32 48 64 128 256)

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$entry"
  for s in "${sizes[@]}"; do rm -f "$data/icons/hicolor/${s}x${s}/apps/sequence-studio.png"; done
  rm -f "$data/icons/hicolor/scalable/apps/sequence-studio.svg"
  echo "Removed Sequence Studio from the application menu."
  exit 0
fi

exe="$here/sequence-studio"
icons="$here/_internal/resources/icons"
[ -x "$exe" ] || { echo "error: $exe not found; run this script from the unpacked folder" >&2; exit 2; }

mkdir -p "$data/applications"
for s in "${sizes[@]}"; do
  install -D -m 644 "$icons/sequence-studio-$s.png" "$data/icons/hicolor/${s}x${s}/apps/sequence-studio.png"
done
install -D -m 644 "$icons/sequence-studio.svg" "$data/icons/hicolor/scalable/apps/sequence-studio.svg"
# Exec and TryExec must name this folder's executable; quote it in case the path has spaces.
sed -e "s|^Exec=.*|Exec=\"$exe\"|" -e "s|^TryExec=.*|TryExec=$exe|" "$here/sequence-studio.desktop" > "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "Added Sequence Studio to the application menu ($entry)."
