#!/usr/bin/env bash
# Runs every fuzz target for N seconds each (default 60) from its committed corpus; a crash, a
# failed property, a leak or a timeout fails the run. Needs cargo-fuzz; only the stable toolchain
# is assumed, hence RUSTC_BOOTSTRAP for the sanitizer flags. A 30 s timeout per input: the userpool
# targets rebuild their pool (RSA key generation under the sanitizer, ~15 s) every 200 000 inputs.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build --release
for target in $(cargo fuzz list); do
  echo "== fuzz $target for ${seconds}s"
  # A scratch copy of the corpus: what CI finds is not written into the repository.
  scratch=$(mktemp -d)
  if [ -d "corpus/$target" ]; then cp -r "corpus/$target/." "$scratch/"; fi
  log=$(mktemp)
  status=0
  cargo fuzz run --release "$target" "$scratch" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|DONE|SUMMARY|panicked" "$log" || true
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "fuzz target $target failed (its input is in fuzz/artifacts/$target/)"
    exit "$status"
  fi
  rm -f "$log"
done
