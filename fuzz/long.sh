#!/usr/bin/env bash
# The long runs behind the issue's "10 million executions or one hour per target": runs one target
# from its committed corpus until it has executed RUNS inputs or SECONDS have passed, whichever
# comes first, then minimises what it found back into fuzz/corpus/<target> (`cargo fuzz cmin`).
#
#   fuzz/long.sh TARGET [RUNS] [SECONDS]      # defaults: 10000000 runs, 3600 s
#
# TIMEOUT (seconds per input, default 120): the userpool targets rebuild their pool every 200 000
# inputs (RSA key generation under the sanitizer), which took over 30 s on a loaded machine.
#
# Prints libFuzzer's final stats (executions, edges covered) and keeps the full log in
# fuzz/artifacts/<target>.long.log (not committed). Needs cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
target="$1"
runs="${2:-10000000}"
seconds="${3:-3600}"
timeout="${TIMEOUT:-120}"
export RUSTC_BOOTSTRAP=1
mkdir -p "artifacts/$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "corpus/$target/." "$work/"
log="artifacts/$target.long.log"
cargo fuzz run --release "$target" "$work" -- \
  -runs="$runs" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 \
  >"$log" 2>&1
grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log"
# Minimise in place (cmin keeps the smallest inputs that cover the same edges), then replace the
# committed corpus with it.
cargo fuzz cmin --release "$target" "$work" >>"$log" 2>&1
rm -rf "corpus/$target"
mkdir -p "corpus/$target"
cp -r "$work/." "corpus/$target/"
echo "$target: corpus now $(ls "corpus/$target" | wc -l) inputs"
