#!/usr/bin/env bash
# Load benchmark: Hallpass's example site vs Next.js 14 + next-auth 4.24 vs a bare axum handler, in one
# run, on loopback, with ONE session cookie accepted by both auth stacks; then the full sign-in
# (against the site's embedded pool, and the site vs next-auth against one shared pool).
#
#   bench/run.sh
#
# Environment (all optional):
#   RUNS=3         rounds; every figure is the median over the rounds
#   DURATION=10s   wrk duration of each measured run (after a WARMUP run on every endpoint)
#   WARMUP=3s      wrk warm-up per endpoint and round (not measured; lets Node's JIT warm up too)
#   THREADS=2 CONNS=32   wrk -t / -c
#   COOKIE=tokens  the session: `tokens` (a typical Cognito session with its access, ID and refresh
#                  tokens, ~5.7 KB in two cookie chunks) or `small` (no tokens, one ~400-byte cookie)
#   SERVERS="site site-sqlite site-postgres site-redis next bare api"   which servers to run; the
#                  site-<store> ones are the site with server-side sessions (AUTH_SESSION_STORE);
#                  `api` is the API rounds: `GET /api/me` with one Cognito-shaped RS256 access token
#                  in `Authorization: Bearer`, served by Hallpass's verifier behind its layer and as
#                  the router's state (bench/src/bin/api.rs),
#                  by jwt-authorizer (bench/jwt-authorizer/, its own workspace) and with no auth
#   STORE_SQLITE, STORE_POSTGRES, STORE_REDIS   their store URLs (defaults: a file in the results
#                  folder; schema hallpass_bench in database test at 127.0.0.1:5432; key prefix
#                  hallpass-bench: at 127.0.0.1:6379). A store that does not answer is NOT RUN.
#   SKIP_BUILD=1   reuse the release binaries and the Next.js build already there
#   SIGNINS=500    full sign-ins per run of the sign-in benchmark (0 skips it and the comparison
#                  below); SIGNIN_CONCURRENCY=4 (both sign-in benchmarks)
#   COMPARE_SIGNINS=200   sign-ins per stack and round of the sign-in comparison (0 skips it): the
#                  site and next-auth as separate servers, both signing in against ONE local user
#                  pool (bench/src/bin/signin_compare/, RUNS rounds of "site, then next"); needs
#                  site and next in SERVERS
#   SIGNIN_COST="testing default"   the pool's password-hash cost(s) for the comparison, one run
#                  of it per cost: testing (fast, weak) and/or default (real Argon2id)
#
# Needs: cargo, node 20 + npm, python3, wrk (installed with apt-get when missing and run as root).
# Every server listens on 127.0.0.1 on a free port, is stopped by PID on exit, and every wait is
# bounded. Results: bench/results/<timestamp>/ (raw.tsv, wrk logs, server logs, summary.md) and
# bench/results/latest.md; the summary is also printed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
COOKIE=${COOKIE:-tokens}
SERVERS=${SERVERS:-site site-sqlite site-postgres site-redis next bare api}
SECRET=${BENCH_SECRET:-hallpass-bench-secret-0123456789abcdefghijkl}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
export NEXT_TELEMETRY_DISABLED=1
STORE_SQLITE=${STORE_SQLITE:-sqlite://$OUT/sessions.db?mode=rwc}
STORE_POSTGRES=${STORE_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?schema=hallpass_bench}
STORE_REDIS=${STORE_REDIS:-redis://127.0.0.1:6379/?prefix=hallpass-bench:}

PIDS=()
stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
has() { [[ " $SERVERS " == *" $1 "* ]]; }

# --- tools -----------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk (apt-get)"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (Debian/Ubuntu: sudo apt-get install -y wrk)" >&2
    exit 1
  fi
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

# --- build -----------------------------------------------------------------------------------------
if [[ -z ${SKIP_BUILD:-} ]]; then
  log "cargo build --release -p hallpass-site -p hallpass-bench"
  (cd "$ROOT" && cargo build --release -p hallpass-site -p hallpass-bench)
  if has api; then
    log "cargo build --release (bench/jwt-authorizer)"
    (cd "$ROOT" && cargo build --release --manifest-path bench/jwt-authorizer/Cargo.toml \
      --target-dir "${CARGO_TARGET_DIR:-$ROOT/target}")
  fi
  if has next; then
    log "npm ci && next build (bench/nextauth)"
    (cd "$ROOT/bench/nextauth" && npm ci --no-audit --no-fund --loglevel=error && npx next build) >"$OUT/next-build.log" 2>&1 \
      || { tail -30 "$OUT/next-build.log" >&2; exit 1; }
  fi
fi
# cargo puts the binaries under CARGO_TARGET_DIR when it is set (a shared target/).
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

# --- helpers ---------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PORT DIR -- CMD...: starts CMD in DIR, in its own session, stdout/stderr to a log, waits
# (at most 60 s) for the first HTTP answer to the signed-in GET /protected, and prints "PID MS" (ms
# from spawn to that answer, timed by the spawning python process so its own start-up is not counted).
start() {
  local name=$1 port=$2 dir=$3
  shift 4
  python3 - "$name" "$port" "$COOKIE_HEADER" "$OUT/$name.log" "$dir" "$@" <<'PY'
import http.client, os, subprocess, sys, time
name, port, cookie, logfile, cwd, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
path = "/protected"
log = open(logfile, "ab")
t0 = time.monotonic()
p = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
deadline = t0 + 60
while True:
    if p.poll() is not None:
        sys.exit(f"{name} exited with status {p.returncode} before answering; see {logfile}")
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path, headers={"Cookie": cookie})
        c.getresponse().read()
        break
    except OSError:
        if time.monotonic() > deadline:
            p.kill()
            sys.exit(f"{name} did not answer within 60 s; see {logfile}")
        time.sleep(0.002)
ms = (time.monotonic() - t0) * 1000
print(p.pid, f"{ms:.1f}")
PY
}

# Resident memory (kB) of PID and its descendants: "RSS HWM".
mem_kb() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1]); kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, IndexError, ValueError):
            pass
todo, rss, hwm = [root], 0, 0
while todo:
    pid = todo.pop()
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"): rss += int(line.split()[1])
            if line.startswith("VmHWM:"): hwm += int(line.split()[1])
    except OSError:
        pass
    todo += kids.get(pid, [])
print(rss, hwm)
PY
}

# The wrk report script: one machine-readable line at the end.
cat >"$OUT/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %.3f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

# check NAME URL: the signed-in answer must be a 200 that names the user.
check() {
  local name=$1 url=$2 body code
  body=$(curl -s -m 10 -H "Cookie: $COOKIE_HEADER" -w '\n%{http_code}' "$url") || { echo "$name: $url did not answer" >&2; exit 1; }
  code=${body##*$'\n'}
  if [[ $code != 200 || $body != *"Bench User"* ]]; then
    echo "$name: $url answered $code without the signed-in user; the cookie was not accepted" >&2
    printf '%s\n' "${body:0:600}" >&2
    exit 1
  fi
}

# measure ROUND NAME PID ENDPOINT URL: warm-up, then one measured wrk run; memory sampled mid-run.
measure() {
  local round=$1 name=$2 pid=$3 endpoint=$4 url=$5 secs half res rss hwm
  local header=${HEADER:-"Cookie: $COOKIE_HEADER"}
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" --timeout 10s -H "$header" "$url" >/dev/null
  secs=${DURATION%s}
  half=$(python3 -c "print($secs / 2)")
  (sleep "$half"; mem_kb "$pid" >"$OUT/mem.tmp") &
  local sampler=$!
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency -s "$OUT/report.lua" \
    -H "$header" "$url" >"$OUT/wrk-$round-$name-$endpoint.txt"
  wait "$sampler" || true
  read -r rss hwm <"$OUT/mem.tmp"
  res=$(grep '^RESULT' "$OUT/wrk-$round-$name-$endpoint.txt" | cut -d' ' -f2-)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$endpoint" "$(tr ' ' '\t' <<<"$res")" "$rss" "$hwm" >>"$OUT/raw.tsv"
  log "round $round $name $endpoint: $(awk '{printf "%s rps, p99 %s ms", $1, $3}' <<<"$res"), RSS $((rss / 1024)) MB"
}

# --- the session cookie ------------------------------------------------------------------------------
MINT_ARGS=(--secret "$SECRET")
[[ $COOKIE == small ]] && MINT_ARGS+=(--no-tokens)
COOKIE_HEADER=$("$BIN/mint" "${MINT_ARGS[@]}")
log "session cookie ($COOKIE): ${#COOKIE_HEADER} bytes in the Cookie header"

printf 'round\tserver\tendpoint\trps\tp50_ms\tp99_ms\tmax_ms\trequests\tnon2xx\tsocket_errors\trss_kb\thwm_kb\n' >"$OUT/raw.tsv"
printf 'round\tserver\tstartup_ms\n' >"$OUT/startup.tsv"

# run_NAME ROUND: start the server, check that it accepts the cookie, measure, stop it.
run_site() {
  local round=$1 port pid ms
  port=$(free_port)
  # COGNITO_* set: no embedded pool; the issuer is never contacted for a cookie-only request.
  read -r pid ms < <(start site "$port" "$OUT" -- env -i PATH="$PATH" HOME="$HOME" \
    PORT="$port" AUTH_URL="http://localhost:$port" AUTH_SECRET="$SECRET" AUTH_COMPAT=next-auth-v4 \
    COGNITO_CLIENT_ID=bench COGNITO_CLIENT_SECRET=bench-secret COGNITO_ISSUER=http://127.0.0.1:1/us-east-1_Bench \
    "$BIN/hallpass-site")
  [[ -n ${pid:-} ]] || exit 1
  PIDS+=("$pid")
  printf '%s\tsite\t%s\n' "$round" "$ms" >>"$OUT/startup.tsv"
  log "round $round site: pid $pid, first answer after $ms ms"
  check site "http://127.0.0.1:$port/protected"
  check site "http://127.0.0.1:$port/api/auth/session"
  measure "$round" site "$pid" protected "http://127.0.0.1:$port/protected"
  measure "$round" site "$pid" session "http://127.0.0.1:$port/api/auth/session"
  stop_pid "$pid"
}

# run_site_store ROUND STORE URL: the site with server-side sessions in STORE (sqlite, postgres,
# redis): a session is signed in through the store (mint --store), and its id is the cookie.
run_site_store() {
  local round=$1 store=$2 url=$3 name="site-$2" port pid ms
  local COOKIE_HEADER
  COOKIE_HEADER=$("$BIN/mint" "${MINT_ARGS[@]}" --store "$url") || { echo "$name: mint --store failed" >&2; exit 1; }
  port=$(free_port)
  read -r pid ms < <(start "$name" "$port" "$OUT" -- env -i PATH="$PATH" HOME="$HOME" \
    PORT="$port" AUTH_URL="http://localhost:$port" AUTH_SECRET="$SECRET" AUTH_COMPAT=next-auth-v4 \
    AUTH_SESSION_STORE="$url" \
    COGNITO_CLIENT_ID=bench COGNITO_CLIENT_SECRET=bench-secret COGNITO_ISSUER=http://127.0.0.1:1/us-east-1_Bench \
    "$BIN/hallpass-site")
  [[ -n ${pid:-} ]] || exit 1
  PIDS+=("$pid")
  printf '%s\t%s\t%s\n' "$round" "$name" "$ms" >>"$OUT/startup.tsv"
  log "round $round $name: pid $pid, first answer after $ms ms (cookie ${#COOKIE_HEADER} bytes)"
  check "$name" "http://127.0.0.1:$port/protected"
  check "$name" "http://127.0.0.1:$port/api/auth/session"
  measure "$round" "$name" "$pid" protected "http://127.0.0.1:$port/protected"
  measure "$round" "$name" "$pid" session "http://127.0.0.1:$port/api/auth/session"
  stop_pid "$pid"
}

# store_answers STORE: true when the store's server answers (NOT RUN is printed once otherwise).
store_answers() {
  case $1 in
    sqlite) return 0 ;;
    postgres)
      if psql -q -h 127.0.0.1 -p 5432 -U postgres test -c 'CREATE SCHEMA IF NOT EXISTS hallpass_bench' >/dev/null 2>&1; then return 0; fi ;;
    redis)
      if [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; then return 0; fi ;;
  esac
  log "NOT RUN: site-$1 (its store does not answer)"
  SERVERS=${SERVERS/site-$1/}
  return 1
}
for store in sqlite postgres redis; do
  if has "site-$store"; then store_answers "$store" || true; fi
done

run_next() {
  local round=$1 port pid ms
  port=$(free_port)
  read -r pid ms < <(start next "$port" "$ROOT/bench/nextauth" -- env -i PATH="$PATH" HOME="$HOME" \
    NEXT_TELEMETRY_DISABLED=1 NODE_ENV=production NEXTAUTH_URL="http://localhost:$port" NEXTAUTH_SECRET="$SECRET" \
    node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$port")
  [[ -n ${pid:-} ]] || exit 1
  PIDS+=("$pid")
  printf '%s\tnext\t%s\n' "$round" "$ms" >>"$OUT/startup.tsv"
  log "round $round next: pid $pid, first answer after $ms ms"
  check next "http://127.0.0.1:$port/protected"
  check next "http://127.0.0.1:$port/api/auth/session"
  measure "$round" next "$pid" protected "http://127.0.0.1:$port/protected"
  measure "$round" next "$pid" session "http://127.0.0.1:$port/api/auth/session"
  stop_pid "$pid"
}

run_bare() {
  local round=$1 port pid ms
  port=$(free_port)
  read -r pid ms < <(start bare "$port" "$OUT" -- env -i PATH="$PATH" PORT="$port" "$BIN/bare")
  [[ -n ${pid:-} ]] || exit 1
  PIDS+=("$pid")
  printf '%s\tbare\t%s\n' "$round" "$ms" >>"$OUT/startup.tsv"
  log "round $round bare: pid $pid, first answer after $ms ms"
  check bare "http://127.0.0.1:$port/protected"
  measure "$round" bare "$pid" protected "http://127.0.0.1:$port/protected"
  stop_pid "$pid"
}

# check_api NAME URL: the Bearer request must be a 200 naming the token's user.
check_api() {
  local name=$1 url=$2 body code
  body=$(curl -s -m 10 -H "$HEADER" -w '\n%{http_code}' "$url") || { echo "$name: $url did not answer" >&2; exit 1; }
  code=${body##*$'\n'}
  if [[ $code != 200 || $body != *'"kind":"user"'* ]]; then
    echo "$name: $url answered $code, not the token's user" >&2
    printf '%s\n' "${body:0:600}" >&2
    exit 1
  fi
}

# run_api ROUND: the three API servers, one after the other, with the same token.
run_api() {
  local round=$1 name port pid ms
  local HEADER="Authorization: $API_AUTHORIZATION"
  for name in api-bare api-hallpass api-state jwt-authorizer; do
    port=$(free_port)
    case $name in
      api-bare) set -- "$BIN/api" bare ;;
      api-hallpass) set -- "$BIN/api" hallpass ;;
      api-state) set -- "$BIN/api" state ;;
      jwt-authorizer) set -- "$BIN/bench-jwt-authorizer" "$OUT/api-public.pem" "$API_ISSUER" ;;
    esac
    read -r pid ms < <(start "$name" "$port" "$OUT" -- env -i PATH="$PATH" PORT="$port" "$@")
    [[ -n ${pid:-} ]] || exit 1
    PIDS+=("$pid")
    printf '%s\t%s\t%s\n' "$round" "$name" "$ms" >>"$OUT/startup.tsv"
    check_api "$name" "http://127.0.0.1:$port/api/me"
    measure "$round" "$name" "$pid" me "http://127.0.0.1:$port/api/me"
    stop_pid "$pid"
  done
}
if has api; then
  API_AUTHORIZATION=$("$BIN/api" token "$OUT/api-public.pem")
  API_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench
  log "API token: ${#API_AUTHORIZATION} bytes in the Authorization header"
fi

# --- the rounds: every server in every round, so that each round's ratios share its conditions --------
for round in $(seq "$RUNS"); do
  has site && run_site "$round"
  has site-sqlite && run_site_store "$round" sqlite "$STORE_SQLITE"
  has site-postgres && run_site_store "$round" postgres "$STORE_POSTGRES"
  has site-redis && run_site_store "$round" redis "$STORE_REDIS"
  has next && run_next "$round"
  has bare && run_bare "$round"
  has api && run_api "$round"
done

# --- full sign-ins against the embedded local pool (password hash cost lowered: Testing) ------------
printf 'run\tsignins\tok\tseconds\trate\tp50_ms\tp99_ms\tmax_ms\n' >"$OUT/signin.tsv"
if [[ ${SIGNINS:-500} != 0 ]]; then
  for round in $(seq "$RUNS"); do
    line=$(timeout 300 "$BIN/signin" --count "${SIGNINS:-500}" --concurrency "${SIGNIN_CONCURRENCY:-4}" 2>>"$OUT/signin.log" | tail -1)
    log "sign-in run $round: $line"
    printf '%s\t%s\n' "$round" "$(sed -E 's/[a-z0-9_]+=//g; s/ /\t/g' <<<"$line")" >>"$OUT/signin.tsv"
  done
fi

# --- full sign-in, Hallpass vs next-auth, both against ONE local pool at the same hash cost --------
# signin_compare starts the pool in its process and both servers (site binary, next start) on free
# ports, stops them by PID, and alternates site and next in RUNS rounds.
COMPARE_SIGNINS=${COMPARE_SIGNINS:-200}
SIGNIN_COST=${SIGNIN_COST:-testing default}
COMPARE_DESC="not run"
if [[ ${SIGNINS:-500} != 0 && $COMPARE_SIGNINS != 0 ]]; then
  if has site && has next; then
    COMPARE_DESC="bench/src/bin/signin_compare/, $COMPARE_SIGNINS per stack and round, ${SIGNIN_CONCURRENCY:-4} at a time, cost(s): $SIGNIN_COST"
    for cost in $SIGNIN_COST; do
      log "sign-in comparison, site vs next-auth, one pool, cost $cost"
      mkdir -p "$OUT/signin-compare-$cost"
      if timeout 1800 "$BIN/signin_compare" --cost "$cost" --count "$COMPARE_SIGNINS" \
        --concurrency "${SIGNIN_CONCURRENCY:-4}" --rounds "$RUNS" --site-bin "$BIN/hallpass-site" \
        --next-dir "$ROOT/bench/nextauth" --log-dir "$OUT/signin-compare-$cost" \
        >"$OUT/signin-compare-$cost.txt" 2>"$OUT/signin-compare-$cost/stderr.log"; then
        grep -E '^(stack|ratio|summary)' "$OUT/signin-compare-$cost.txt" | while read -r line; do log "$line"; done
      else
        echo "FAILED" >>"$OUT/signin-compare-$cost.txt"
        log "sign-in comparison FAILED at cost $cost; see $OUT/signin-compare-$cost/"
        tail -5 "$OUT/signin-compare-$cost/stderr.log" >&2 || true
      fi
    done
  else
    log "NOT RUN: sign-in comparison (needs site and next in SERVERS)"
  fi
fi

SIGNINS_DESC="bench/src/bin/signin.rs, ${SIGNINS:-500} per run, ${SIGNIN_CONCURRENCY:-4} at a time, PasswordHashCost::Testing"
# --- summary -----------------------------------------------------------------------------------------
{
  echo "nproc=$(nproc) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')\""
  echo "wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP per endpoint), runs=$RUNS, cookie=$COOKIE (${#COOKIE_HEADER} bytes)"
  echo "sign-ins: $SIGNINS_DESC"
  echo "sign-in comparison: $COMPARE_DESC"
  echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
python3 - "$OUT" "$CONNS" <<'PY' | tee "$OUT/summary.md"
import csv, statistics, sys
out = sys.argv[1]
rows = list(csv.DictReader(open(f"{out}/raw.tsv"), delimiter="\t"))
starts = list(csv.DictReader(open(f"{out}/startup.tsv"), delimiter="\t"))
med = lambda xs: statistics.median(xs) if xs else None
def fig(server, endpoint, key):
    return med([float(r[key]) for r in rows if r["server"] == server and r["endpoint"] == endpoint])
def start(server):
    return med([float(r["startup_ms"]) for r in starts if r["server"] == server])
def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "–"
def n(x, f="{:,.0f}"):
    return f.format(x) if x is not None else "–"
print(open(f"{out}/machine.txt").read().strip().replace("\n", "  \n"))
print()
names = {"site": "Hallpass site", "next": "Next.js + next-auth", "bare": "bare axum (no auth)",
         "site-sqlite": "Hallpass site, SQLite store", "site-postgres": "Hallpass site, Postgres store",
         "site-redis": "Hallpass site, Redis store"}
stores = ["site-sqlite", "site-postgres", "site-redis"]
order = [("site", "protected")] + [(s, "protected") for s in stores] + [("next", "protected"), ("bare", "protected"), ("site", "session")] \
    + [(s, "session") for s in stores] + [("next", "session")]
# Each table only with rows: an API-only run has no site rows.
if any(fig(server, endpoint, "rps") is not None for server, endpoint in order):
    print("| server | endpoint | req/s (median) | p50 ms | p99 ms | RSS under load MB | peak RSS MB | errors (non-2xx, socket) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for server, endpoint in order:
    if fig(server, endpoint, "rps") is None:
        continue
    errs = sum(int(r["non2xx"]) for r in rows if r["server"] == server and r["endpoint"] == endpoint)
    sock = sum(int(r["socket_errors"]) for r in rows if r["server"] == server and r["endpoint"] == endpoint)
    path = "/protected" if endpoint == "protected" else "/api/auth/session"
    print(f"| {names[server]} | GET {path} | {n(fig(server, endpoint, 'rps'))} | {n(fig(server, endpoint, 'p50_ms'), '{:.2f}')} "
          f"| {n(fig(server, endpoint, 'p99_ms'), '{:.2f}')} | {n(fig(server, endpoint, 'rss_kb') and fig(server, endpoint, 'rss_kb') / 1024, '{:.1f}')} "
          f"| {n(fig(server, endpoint, 'hwm_kb') and fig(server, endpoint, 'hwm_kb') / 1024, '{:.1f}')} | {errs}, {sock} |")
print()
if any(start(s) is not None for s in ["site"] + stores + ["next", "bare"]):
    print("| start-up to first answer | median ms |")
    print("| --- | ---: |")
    for s in ["site"] + stores + ["next", "bare"]:
        if start(s) is not None:
            print(f"| {names[s]} | {start(s):.1f} |")
    print()
# Ratios per round (same conditions), then their median.
def rounds(fn):
    """Every round's value of fn, in round order; a round where fn has no value is left out."""
    out = []
    for rnd in sorted({r["round"] for r in rows}):
        def g(server, endpoint, key):
            xs = [float(r[key]) for r in rows if r["round"] == rnd and r["server"] == server and r["endpoint"] == endpoint]
            return xs[0] if xs else None
        try:
            v = fn(g)
        except (TypeError, ZeroDivisionError):
            v = None
        if v is not None:
            out.append(v)
    return out
def per_round(fn):
    return med(rounds(fn))
def peak(g, s):
    return max(g(s, "protected", "hwm_kb") or 0, g(s, "session", "hwm_kb") or 0) or None
ratios = [
    ("Hallpass /protected ÷ Next.js /protected (req/s)", "≥ 100×", per_round(lambda g: g("site", "protected", "rps") / g("next", "protected", "rps")), 100, True),
    ("Hallpass /api/auth/session ÷ Next.js (req/s)", "≥ 30×", per_round(lambda g: g("site", "session", "rps") / g("next", "session", "rps")), 30, True),
    ("Hallpass /protected ÷ bare handler (req/s)", "≥ 0.9×", per_round(lambda g: g("site", "protected", "rps") / g("bare", "protected", "rps")), 0.9, True),
    ("Next.js peak RSS ÷ Hallpass peak RSS", "≥ 20×", per_round(lambda g: peak(g, "next") / peak(g, "site")), 20, True),
]
# Server-side sessions beside cookie sessions and the bare handler, per round.
store_rows = []
for st in stores:
    for endpoint, base in [("protected", "bare"), ("session", "bare")]:
        v = per_round(lambda g: g(st, endpoint, "rps") / g(base, "protected", "rps"))
        c = per_round(lambda g: g(st, endpoint, "rps") / g("site", endpoint, "rps"))
        if v is not None:
            store_rows.append((names[st], endpoint, v, c))
if store_rows:
    print()
    print("| store | endpoint | ÷ bare /protected | ÷ cookie sessions |")
    print("| --- | --- | ---: | ---: |")
    for name, endpoint, v, c in store_rows:
        path = "/protected" if endpoint == "protected" else "/api/auth/session"
        print(f"| {name} | GET {path} | {v:.2f}× | {'–' if c is None else f'{c:.2f}×'} |")
api = [("api-bare", "bare axum, no auth"), ("api-hallpass", "Hallpass `Caller` behind `Hallpass::layer`"),
       ("api-state", "Hallpass `AccessToken`, the verifier as router state (no layer)"),
       ("jwt-authorizer", "jwt-authorizer 0.15 layer + `JwtClaims`")]
if fig("api-hallpass", "me", "rps") is not None:
    print()
    print("| API: GET /api/me, `Authorization: Bearer` access token | req/s (median) | p50 ms | p99 ms | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for server, label in api:
        if fig(server, "me", "rps") is not None:
            print(f"| {label} | {n(fig(server, 'me', 'rps'))} | {n(fig(server, 'me', 'p50_ms'), '{:.2f}')} "
                  f"| {n(fig(server, 'me', 'p99_ms'), '{:.2f}')} | {n(fig(server, 'me', 'hwm_kb') / 1024, '{:.1f}')} |")
    hb = rounds(lambda g: g("api-hallpass", "me", "rps") / g("api-bare", "me", "rps"))
    hj = rounds(lambda g: g("api-hallpass", "me", "rps") / g("jwt-authorizer", "me", "rps"))
    jb = rounds(lambda g: g("jwt-authorizer", "me", "rps") / g("api-bare", "me", "rps"))
    sb = rounds(lambda g: g("api-state", "me", "rps") / g("api-bare", "me", "rps"))
    sj = rounds(lambda g: g("api-state", "me", "rps") / g("jwt-authorizer", "me", "rps"))
    print()
    print("| API ratio, per round (req/s) | rounds | median |")
    print("| --- | --- | ---: |")
    for label, xs in [("Hallpass (layer) ÷ bare", hb), ("Hallpass (state) ÷ bare", sb),
                      ("jwt-authorizer ÷ bare", jb), ("Hallpass (layer) ÷ jwt-authorizer", hj),
                      ("Hallpass (state) ÷ jwt-authorizer", sj)]:
        print(f"| {label} | {', '.join(f'{x:.2f}' for x in xs)} | {n(med(xs), '{:.2f}×')} |")
sig = list(csv.DictReader(open(f"{out}/signin.tsv"), delimiter="\t"))
if sig:
    print()
    print("| full sign-in (csrf → signin → authorize → login → callback → /protected → session) | median |")
    print("| --- | ---: |")
    print(f"| sign-ins per second | {med([float(r['rate']) for r in sig]):.1f} |")
    print(f"| latency p50 / p99 ms | {med([float(r['p50_ms']) for r in sig]):.1f} / {med([float(r['p99_ms']) for r in sig]):.1f} |")
    print()
# The sign-in comparison (signin_compare): one file per hash cost.
import glob, re
compare = []
for path in sorted(glob.glob(f"{out}/signin-compare-*.txt")):
    cost = re.sub(r"^signin-compare-|\.txt$", "", path.rsplit("/", 1)[-1])
    text = open(path).read().splitlines()
    kv = lambda line: dict(p.split("=", 1) for p in line.split() if "=" in p)
    st = [kv(l) for l in text if l.startswith("stack=")]
    rs = [float(kv(l)["site_over_next"]) for l in text if l.startswith("ratio ")]
    cpu = med([float(kv(l)["server_cpu_next_over_site"]) for l in text if l.startswith("ratio ")])
    rate = lambda s: med([float(x["rate"]) for x in st if x["stack"] == s])
    compare.append((cost, rate("site"), rate("next"), rs, med(rs), cpu, "FAILED" in text))
if compare:
    print("| full sign-in, site vs next-auth, one local pool | Hallpass site /s (median) | next-auth /s (median) | per-round ratios | server CPU per sign-in, next-auth ÷ site |")
    print("| --- | ---: | ---: | --- | ---: |")
    for cost, site, nxt, rs, r, cpu, failed in compare:
        print(f"| cost={cost}{' (FAILED)' if failed else ''} | {n(site, '{:.1f}')} | {n(nxt, '{:.1f}')} | {', '.join(f'{x:.2f}' for x in rs) or '–'} | {n(cpu, '{:.1f}×')} |")
        if r is not None:
            ratios.append((f"Hallpass full sign-in ÷ next-auth, same pool, cost={cost}", "≥ 10×", r, 10, True))
    print()
# Issue 15's targets against the bare handler: /protected in every round, the session endpoint.
every = rounds(lambda g: g("site", "protected", "rps") / g("bare", "protected", "rps"))
session_bare = rounds(lambda g: g("site", "session", "rps") / g("bare", "protected", "rps"))
if every:
    print("| against the bare handler, per round | target | rounds | met |")
    print("| --- | --- | --- | --- |")
    print(f"| Hallpass /protected ÷ bare /protected | ≥ 0.95× every round | {', '.join(f'{x:.2f}×' for x in every)} | {'yes' if min(every) >= 0.95 else 'no'} |")
    if session_bare:
        print(f"| Hallpass /api/auth/session ÷ bare /protected | ≥ 0.8× (median) | {', '.join(f'{x:.2f}×' for x in session_bare)} | {'yes' if med(session_bare) >= 0.8 else 'no'} |")
    print()
# The targets' table, only with rows (an API-only run has none).
lines = [f"| {label} | {target} | {v:.2f}× | {'yes' if v >= bound else 'no'} |"
         for label, target, v, bound, higher in ratios if v is not None]
p99 = fig("site", "protected", "p99_ms")
if p99 is not None:
    lines.append(f"| Hallpass /protected p99 at {sys.argv[2]} connections | ≤ 5 ms | {p99:.2f} ms | {'yes' if p99 <= 5 else 'no'} |")
s = start("site")
if s is not None:
    lines.append(f"| Hallpass start-up to first answer | ≤ 100 ms | {s:.1f} ms | {'yes' if s <= 100 else 'no'} |")
if lines:
    print("| ratio (median of per-round ratios) | target | measured | met |")
    print("| --- | --- | ---: | --- |")
    print("\n".join(lines))
PY
cp "$OUT/summary.md" "$ROOT/bench/results/latest.md"
log "results in $OUT"
