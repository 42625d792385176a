#!/usr/bin/env bash
# Instructions per request, counted by callgrind (stable across runs and unaffected by other load,
# unlike wall-clock figures): the bare handler, the site's shape without auth (site-bare), the site's /protected with a small and a tokens
# cookie, and GET /api/auth/session, each driven in process by `bench/src/bin/instructions.rs`; and
# the API's `GET /api/me` (examples/api) with a Bearer access token (bearer) against the same route
# with no auth (api-bare), both sent the same `Authorization` header: a repeated token, answered
# from the verifier's cache after the warm-up's first verification; and bearer-api, an API without
# website sessions (the `AccessToken` extractor, the verifier an `Extension`, no Hallpass layer),
# beside api-layer, the bare route under that same `Extension` layer (what the layer alone costs);
# and bearer-state, the `AccessToken` extractor on a router whose state is the verifier (no layer).
#
#   bench/instructions.sh            # N=2000 requests per scenario
#   N=500 bench/instructions.sh
#   KEEP=/tmp/prof N=500 bench/instructions.sh   # keep each scenario's callgrind.out, for
#                                                # callgrind_annotate (the profile per function)
#
# Needs valgrind (installed with apt-get when missing and run as root). Only the requests inside
# the binary's `measured` function are counted (`--toggle-collect`), after a warm-up.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-2000}
SCENARIOS=${SCENARIOS:-"bare site-bare protected-small protected-tokens session-small session-tokens api-bare bearer api-layer bearer-api bearer-state bearer-wrapped"}
if [ -n "${KEEP:-}" ]; then
  OUT=$KEEP
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
fi

if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  else
    echo "error: valgrind is needed (apt-get install valgrind)" >&2
    exit 1
  fi
fi

cd "$ROOT"
cargo build --release -q -p hallpass-bench --bin instructions
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/instructions"

declare -A PER
for s in $SCENARIOS; do
  valgrind --tool=callgrind --toggle-collect='*measured*' \
    --callgrind-out-file="$OUT/$s.out" "$BIN" "$s" "$N" >"$OUT/$s.log" 2>&1 || {
    cat "$OUT/$s.log" >&2
    exit 1
  }
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$OUT/$s.out")
  PER[$s]=$((total / N))
done

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo "+changes" || true)
echo "instructions per request (callgrind, N=$N, commit $commit$dirty)"
printf '| %-18s | %14s | %14s |\n' scenario instructions "÷ bare"
printf '| %-18s | %14s | %14s |\n' --- ---: ---:
bare=${PER[bare]:-0}
for s in $SCENARIOS; do
  if [ "$bare" -gt 0 ]; then
    ratio=$(awk -v a="${PER[$s]}" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
  else
    ratio="-"
  fi
  printf '| %-18s | %14s | %14s |\n' "$s" "${PER[$s]}" "$ratio"
done
for s in bearer bearer-api bearer-state bearer-wrapped; do
  if [ -n "${PER[$s]:-}" ] && [ -n "${PER[api-bare]:-}" ]; then
    awk -v a="${PER[$s]}" -v b="${PER[api-bare]}" -v s="$s" \
      'BEGIN { printf "%s ÷ api-bare: %.3f (target ≤ 1.2)\n", s, a / b }'
  fi
done
if [ -n "${PER[bearer-api]:-}" ] && [ -n "${PER[api-layer]:-}" ]; then
  awk -v a="${PER[bearer-api]}" -v b="${PER[api-layer]}" \
    'BEGIN { printf "bearer-api ÷ api-layer (the token check alone): %.3f\n", a / b }'
fi
if [ -n "${KEEP:-}" ]; then
  echo "callgrind outputs in $OUT: callgrind_annotate --threshold=95 $OUT/protected-tokens.out"
fi
