#!/usr/bin/env bash
# Runs every fuzz target for N seconds each (default 60; FUZZ_JOBS at once, default one per core)
# from its committed corpus; a crash, a failed property, a leak or a timeout fails the run. Needs
# cargo-fuzz; only the stable toolchain is assumed, hence RUSTC_BOOTSTRAP for the sanitizer flags.
# A 30 s timeout per input: the userpool targets rebuild their pool (RSA key generation under the
# sanitizer, ~15 s) every 200 000 inputs.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build --release

# One target's run: its report (summary lines; on failure the end of its log) in $reports/TARGET;
# the exit status is the run's. libFuzzer is single-threaded, so targets run side by side, one per
# core, and the reports are printed in target order once all have ended.
reports=$(mktemp -d)
run_target() {
  local target=$1 scratch log status=0
  # A scratch copy of the corpus: what CI finds is not written into the repository.
  scratch=$(mktemp -d)
  if [ -d "corpus/$target" ]; then cp -r "corpus/$target/." "$scratch/"; fi
  log=$(mktemp)
  cargo fuzz run --release "$target" "$scratch" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  {
    echo "== fuzz $target for ${seconds}s"
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|DONE|SUMMARY|panicked" "$log" || true
    if [ "$status" -ne 0 ]; then
      tail -40 "$log"
      echo "fuzz target $target failed (its input is in fuzz/artifacts/$target/)"
    fi
  } >"$reports/$target"
  rm -rf "$scratch" "$log"
  return "$status"
}

targets=$(cargo fuzz list)
jobs=${FUZZ_JOBS:-$(nproc)}
failed=0
running=()
for target in $targets; do
  run_target "$target" &
  running+=($!)
  # At most $jobs at once: wait for the oldest before starting another.
  if [ "${#running[@]}" -ge "$jobs" ]; then
    wait "${running[0]}" || failed=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do
  wait "$pid" || failed=1
done
for target in $targets; do
  cat "$reports/$target"
done
rm -rf "$reports"
exit "$failed"
