#!/usr/bin/env bash
# Install the system libraries Qt (xcb or offscreen), QtMultimedia, FluidSynth and the tests need.
# Runs apt-get only as root on a Debian/Ubuntu machine and only when something is missing.
set -euo pipefail

packages=(
  libgl1 libegl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libxcb-shm0 libxcb-sync1
  libpulse0 fonts-dejavu-core
  libfluidsynth3 fluid-soundfont-gm  # sampled sound for the jazz preview and WAV (FluidSynth, FluidR3 GM, MIT)
  desktop-file-utils  # the tests validate the Linux .desktop entry with it
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian/Ubuntu system; install the Qt xcb libraries yourself (see README)." >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing ${missing[*]}" >&2
  echo "  run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
