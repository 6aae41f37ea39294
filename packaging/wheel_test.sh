#!/usr/bin/env bash
# The Python package as a user gets it (what `make wheel-test` and CI run).
#
# Builds the sdist and, from it, the wheel (python -m build), installs the wheel into a new venv outside
# the checkout with the versions in constraints.txt, and runs the installed `sequence-studio` command from
# another folder with an empty environment: --version, names train --steps 200 then names sample,
# jazz parts, and a screenshot of each tab. It also checks that the app's modules are installed under
# site-packages/sequence_studio/ only, so that no other distribution's `main`, `cli`, `engine` or `gui`
# is overwritten or shadowed. Stops at the first failure with that command's output.
#
# Usage: bash packaging/wheel_test.sh [WHEEL]
#   WHEEL: test this wheel instead of building one.
#   KEEP_WHEEL_TEST=1 keeps the folder (venv, outputs) for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
STEP_TIMEOUT="${STEP_TIMEOUT:-600}"  # seconds per command

fail() {
  echo >&2
  echo "WHEEL TEST FAILED: $*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

[ -x "$PY" ] || fail "no Python at $PY; run 'make venv' first (or set PYTHON)"
work="$(mktemp -d "${TMPDIR:-/tmp}/sequence-studio-wheel.XXXXXX")"
case "$work" in "$ROOT"/*) fail "the test folder $work must be outside the checkout" ;; esac
if [ "${KEEP_WHEEL_TEST:-0}" = 1 ]; then
  trap 'say "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/dist" "$work/home" "$work/run"
started=$SECONDS

# --- build: the sdist, then the wheel from the sdist (so the sdist is proved complete too) -----------------------
wheel="${1:-}"
if [ -z "$wheel" ]; then
  "$PY" -m build --outdir "$work/dist" "$ROOT" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "python -m build failed"; }
  wheel="$(ls "$work"/dist/sequence_studio-*-py3-none-any.whl)"
  say "built $(cd "$work/dist" && ls) in $((SECONDS - started)) s"
fi
[ -f "$wheel" ] || fail "wheel $wheel not found"
version="$(basename "$wheel" | sed -n 's/^sequence_studio-\([^-]*\)-.*\.whl$/\1/p')"
[ -n "$version" ] || fail "cannot read the version from the wheel name $(basename "$wheel")"

# --- install into a new venv (pip's cache makes the libraries cheap the second time; no .pyc compiled ahead) ---
t0=$SECONDS
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-compile --disable-pip-version-check -c "$ROOT/constraints.txt" "$wheel" \
  >"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log" >&2; fail "pip install of the wheel failed"; }
say "installed $(basename "$wheel") into a new venv in $((SECONDS - t0)) s"

site="$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
[ -d "$site/sequence_studio/resources" ] || fail "$site/sequence_studio/resources was not installed"
for name in main.py main cli engine gui resources; do
  [ ! -e "$site/$name" ] || fail "the wheel installed $name at the top of site-packages"
done
for command in sequence-studio sequence-studio-gui; do
  [ -x "$work/venv/bin/$command" ] || fail "the wheel did not install the $command command"
done

# run NAME ARGS...: the installed command, from $work/run, in a clean environment; output in $work/NAME.out/.err
run() {
  local name="$1" command="$2"
  shift 2
  local t0=$SECONDS status=0
  (cd "$work/run" && timeout "$STEP_TIMEOUT" env -i HOME="$work/home" QT_QPA_PLATFORM=offscreen \
    PATH="$work/venv/bin:/usr/bin:/bin" "$command" "$@" >"$work/$name.out" 2>"$work/$name.err") || status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- stdout of: $command $*" >&2
    tail -n 40 "$work/$name.out" >&2
    echo "--- stderr of: $command $*" >&2
    tail -n 60 "$work/$name.err" >&2
    [ "$status" -eq 124 ] && fail "'$command $*' took longer than $STEP_TIMEOUT s"
    fail "'$command $*' exited with status $status"
  fi
  say "  ok  $command $*  ($((SECONDS - t0)) s)"
}

# check NAME PYTHON-EXPRESSION: true of `out` and `err`, the text step NAME printed (read by the venv's Python)
check() {
  "$work/venv/bin/python" - "$work/$1.out" "$work/$1.err" "$2" <<'EOF' || fail "step $1: its output does not satisfy: $2"
import json, sys
out, err = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
ok = eval(sys.argv[3], {"json": json, "out": out, "err": err, "last": (out.strip().splitlines() or [""])[-1]})
if not ok:
    print(f"stdout was: {out[-1500:]}\nstderr was: {err[-1500:]}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

run version sequence-studio --version
check version "out.strip() == 'Sequence Studio $version'"
run gui-version sequence-studio-gui --version
check gui-version "out.strip() == 'Sequence Studio $version'"
run no-top-level "$work/venv/bin/python" -c 'import importlib.util as u; print([m for m in ("main", "cli", "engine", "gui") if u.find_spec(m)])'
check no-top-level "out.strip() == '[]'"

# --- names: the bundled corpus, found inside the installed package ---------------------------------------------------
run names-train sequence-studio names train --steps 200 --json --out "$work/run/names.npz"
check names-train "json.loads(last)['steps'] == 200 and '/sequence_studio/resources/names/' in json.loads(last)['corpus']"
run names-sample sequence-studio names sample --model "$work/run/names.npz" -n 5 --seed 1
check names-sample "len(out.split()) >= 5"

# --- jazz: the bundled piece -------------------------------------------------------------------------------------------
run jazz-parts sequence-studio jazz parts
check jazz-parts "'studio_blues.mid' in out and '<- melody' in out"

# --- the window, offscreen: one screenshot per tab, and nothing but the path on the terminal ---------------------------
for tab in gradients names jazz; do
  run "screenshot-$tab" sequence-studio --screenshot "$work/run/$tab.png" --tab "$tab"
  check "screenshot-$tab" "out.strip() == '$work/run/$tab.png' and err.strip() == ''"
  "$work/venv/bin/python" - "$work/run/$tab.png" <<'EOF' || fail "the $tab screenshot is not a 1280x820 picture of the window"
import struct, sys
data = open(sys.argv[1], "rb").read()
width, height = struct.unpack(">II", data[16:24])
assert data[:8] == b"\x89PNG\r\n\x1a\n" and (width, height) == (1280, 820) and len(data) > 15000, (width, height, len(data))
EOF
done

say "wheel test passed in $((SECONDS - started)) s"
