#!/usr/bin/env bash
# Smoke test of the packaged app (what `make package-test` runs after `make package`).
#
# Unpacks the archive into a fresh folder outside the checkout and runs the executable there
# with an empty environment (`env -i` plus HOME, QT_QPA_PLATFORM=offscreen and a PATH of
# /usr/bin:/bin), as a user who has no Python would. Subcommands that the app does not have
# yet (per its --help) are skipped and said so; any command that exists and fails stops the
# test with its output.
#
# Usage: bash packaging/smoke_test.sh [ARCHIVE]
#   ARCHIVE defaults to dist/sequence-studio-<version>-linux-x86_64.tar.gz.
#   KEEP_SMOKE=1 keeps the unpacked folder and every output for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STEP_TIMEOUT="${STEP_TIMEOUT:-900}"  # seconds per command

fail() {
  echo >&2
  echo "SMOKE TEST FAILED: $*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

archive="${1:-}"
if [ -z "$archive" ]; then
  shopt -s nullglob
  candidates=("$ROOT"/dist/sequence-studio-*-linux-x86_64.tar.gz)
  shopt -u nullglob
  [ ${#candidates[@]} -gt 0 ] || fail "no archive in $ROOT/dist; run 'make package' first"
  archive="$(ls -t "${candidates[@]}" | head -n 1)"
fi
[ -f "$archive" ] || fail "archive $archive not found"
version="$(basename "$archive" | sed -n 's/^sequence-studio-\(.*\)-linux-x86_64\.tar\.gz$/\1/p')"
[ -n "$version" ] || fail "cannot read the version from the archive name $(basename "$archive")"

# A Python on the build machine only reads the app's JSON output; the app itself never sees it.
checker="$ROOT/.venv/bin/python"
[ -x "$checker" ] || checker="$(command -v python3 || true)"
[ -n "$checker" ] || fail "need python3 on the build machine to check JSON output"

work="$(mktemp -d "${TMPDIR:-/tmp}/sequence-studio-smoke.XXXXXX")"
case "$work" in "$ROOT"/*) fail "the test folder $work must be outside the checkout" ;; esac
if [ "${KEEP_SMOKE:-0}" = 1 ]; then
  trap 'say "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/home" "$work/run"

started=$SECONDS
tar -xzf "$archive" -C "$work"
app="$work/sequence-studio/sequence-studio"
[ -x "$app" ] || fail "the archive has no executable sequence-studio/sequence-studio"
# --version and Help > About read the version from the package metadata, which must be in the bundle
# (as a wheel's dist-info, or as the egg-info an editable install leaves in the source tree).
grep -qsx "Version: $version" "$work"/sequence-studio/_internal/sequence_studio{-"$version".dist-info/METADATA,.egg-info/PKG-INFO} ||
  fail "the bundle lacks the package metadata of sequence-studio $version"
say "smoke test of $(basename "$archive") in $work (unpacked in $((SECONDS - started)) s)"

# run NAME ARGS...: run the app from $work/run in a clean environment; output goes to $work/NAME.out/.err
run() {
  local name="$1"
  shift
  local t0=$SECONDS status=0
  (cd "$work/run" && timeout "$STEP_TIMEOUT" env -i HOME="$work/home" QT_QPA_PLATFORM=offscreen PATH=/usr/bin:/bin \
    "$app" "$@" >"$work/$name.out" 2>"$work/$name.err") || status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- stdout of: sequence-studio $*" >&2
    tail -n 40 "$work/$name.out" >&2
    echo "--- stderr of: sequence-studio $*" >&2
    tail -n 60 "$work/$name.err" >&2
    [ "$status" -eq 124 ] && fail "'sequence-studio $*' took longer than $STEP_TIMEOUT s"
    fail "'sequence-studio $*' exited with status $status"
  fi
  say "  ok  sequence-studio $*  ($((SECONDS - t0)) s)"
}

# json_check NAME PYTHON-EXPRESSION: the stdout of step NAME ends with a JSON line (or is one JSON document) `d`
# for which the expression is true.
json_check() {
  "$checker" - "$work/$1.out" "$2" <<'EOF' || fail "step $1: its JSON output does not satisfy: $2"
import json, math, sys
text = open(sys.argv[1], encoding="utf-8").read()
lines = [line for line in text.splitlines() if line.strip()]
if not lines:
    sys.exit("no output")
try:
    d = json.loads(lines[-1])
except ValueError:
    d = json.loads(text)
ok = eval(sys.argv[2], {"math": math, "d": d})
if not ok:
    print(f"JSON was: {text[-2000:]}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# has_command HELP-STEP WORD: the --help saved in step HELP-STEP lists the subcommand WORD
has_command() {
  grep -Eq "^[[:space:]]+$2([[:space:]]|$)|[{,]$2[,}]" "$work/$1.out"
}

# check_png PATH: a real 1280x820 PNG with more than a blank window's bytes
check_png() {
  local png="$1" size magic dims
  [ -f "$png" ] || fail "$png was not written"
  magic="$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')"
  [ "$magic" = "89504e470d0a1a0a" ] || fail "$png is not a PNG file"
  dims="$(od -An -tu1 -j16 -N8 "$png" | tr -s ' ' | sed 's/^ //')"
  read -r w3 w2 w1 w0 h3 h2 h1 h0 <<<"$dims"
  local width=$(((w3 << 24) + (w2 << 16) + (w1 << 8) + w0)) height=$(((h3 << 24) + (h2 << 16) + (h1 << 8) + h0))
  [ "$width" -eq 1280 ] && [ "$height" -eq 820 ] || fail "$png is ${width}x${height}, expected 1280x820"
  size="$(stat -c %s "$png")"
  [ "$size" -gt 15000 ] || fail "$png is only $size bytes: the window looks empty"
  say "      $(basename "$png"): ${width}x${height}, $size bytes"
}

# --- the executable, its version and its commands -------------------------------------------------------------
run version --version
[ "$(cat "$work/version.out")" = "Sequence Studio $version" ] ||
  fail "--version printed '$(cat "$work/version.out")', expected 'Sequence Studio $version'"
run help --help

# --- the window: one screenshot per tab ----------------------------------------------------------------------------
# quiet STEP: the step printed nothing on stderr (Qt's, ALSA's and FFmpeg's chatter go to the log file)
quiet() {
  [ ! -s "$work/$1.err" ] || { cat "$work/$1.err" >&2; fail "step $1 printed the lines above on stderr"; }
}

for tab in gradients names jazz; do
  run "screenshot-$tab" --screenshot "$work/run/$tab.png" --tab "$tab"
  check_png "$work/run/$tab.png"
  quiet "screenshot-$tab"
done

# --- TensorFlow, Keras, music21 and MIDI inside the bundle -----------------------------------------------------------
if has_command help doctor; then
  run doctor doctor --json
  quiet doctor
  json_check doctor 'all(c["ok"] for c in d["checks"]) and d["frozen"] and {c["name"] for c in d["checks"]} >= {"tensorflow", "keras", "music21", "midi"}'
  "$checker" -c 'import json,sys; [print("      %-10s %s" % (c["name"], c["detail"])) for c in json.loads(open(sys.argv[1]).read().splitlines()[-1])["checks"]]' "$work/doctor.out"
else
  say "  skip doctor (not in this build)"
fi

# --- gradients: the course's backward functions against centred differences and TensorFlow autodiff -------------
if has_command help gradcheck; then
  run gradcheck gradcheck --json
  json_check gradcheck 'd["ok"] is True and d["tf_status"] == "checked"'
else
  say "  skip gradcheck (not in this build)"
fi

# --- names: train on the bundled corpus, then sample -------------------------------------------------------------
if has_command help names && run names-help names --help && has_command names-help train; then
  run names-train-help names train --help
  out_args=()
  if grep -q -- "--out" "$work/names-train-help.out"; then out_args=(--out "$work/run/names-model.npz"); fi
  run names-train names train --steps 200 --json "${out_args[@]}"
  json_check names-train 'all(math.isfinite(float(d[k])) for k in ("train_loss", "val_loss")) and int(d["steps"]) == 200'
  if [ ${#out_args[@]} -gt 0 ] && has_command names-help sample; then
    model="$work/run/names-model.npz"
    [ -f "$model" ] || fail "names train --out did not write $model"
    run names-sample names sample --model "$model" -n 5 --seed 1
    lines="$(grep -c . "$work/names-sample.out" || true)"
    [ "$lines" -ge 5 ] || fail "names sample -n 5 printed $lines lines"
  else
    say "  skip names sample (not in this build)"
  fi
else
  say "  skip names train (not in this build)"
fi

# --- jazz: train two epochs on the bundled piece, then improvise -------------------------------------------------
if has_command help jazz && run jazz-help jazz --help && has_command jazz-help train; then
  run jazz-train-help jazz train --help
  jazz_model="$work/run/jazz-model"
  out_args=()
  if grep -q -- "--out" "$work/jazz-train-help.out"; then out_args=(--out "$jazz_model"); fi
  run jazz-train jazz train --epochs 2 --json "${out_args[@]}"
  json_check jazz-train 'isinstance(d, dict) and all(math.isfinite(v) for v in d.values() if isinstance(v, float))'
  if has_command jazz-help generate; then
    run jazz-generate-help jazz generate --help
    gen_args=()
    if [ ${#out_args[@]} -gt 0 ] && grep -q -- "--model" "$work/jazz-generate-help.out"; then
      gen_args+=(--model "$jazz_model")
    fi
    if grep -q -- "--out" "$work/jazz-generate-help.out"; then gen_args+=(--out "$work/run/improvised.mid"); fi
    run jazz-generate jazz generate "${gen_args[@]}"
    if [ -f "$work/run/improvised.mid" ]; then
      [ "$(head -c 4 "$work/run/improvised.mid")" = "MThd" ] || fail "jazz generate wrote a file that is not MIDI"
      say "      improvised.mid: $(stat -c %s "$work/run/improvised.mid") bytes"
    fi
  else
    say "  skip jazz generate (not in this build)"
  fi
else
  say "  skip jazz train and generate (not in this build)"
fi

# --- nothing written into the app's folder ---------------------------------------------------------------------------
written="$(find "$work/sequence-studio" -newer "$work/version.out" -type f | head -n 5)"
[ -z "$written" ] || fail "the app wrote into its own folder: $written"

say "smoke test passed in $((SECONDS - started)) s"
