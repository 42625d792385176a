#!/usr/bin/env bash
# End-to-end test of userpool's Lambda triggers with real Lambda tooling: `cargo lambda watch`
# serves ./add-claim (a pre token generation V2 function written with aws_lambda_events'
# Cognito types) on the Lambda Invoke API, a `userpool serve` points its pool at it with
# --lambda-endpoint, and
#   1. a password sign-in through the JSON API must return tokens carrying the function's claim
#      and scope, and the ID token the function's `name`;
#   2. the example site (hallpass-site, COGNITO_SIGNIN=form against that pool) signed into with
#      curl as a browser would (its own sign-in page, the form post, the redirects) must show
#      "Signed in as Lambda E2E User" on /protected: the name the function put in the ID token,
#      not the pool user's own `name` attribute.
# Not part of `cargo test`: it needs `cargo-lambda` (`pip install cargo-lambda`, a prebuilt
# binary) and builds lambda_runtime, which takes a while. .ci/run runs it.
#
# Usage: crates/userpool/tests/lambda-e2e/run.sh   (from anywhere; prints the timings and
# PASS/FAIL lines, exits non-zero on failure). LAMBDA_PORT, POOL_PORT and SITE_PORT choose the
# ports (defaults 9311, 9312 and a free one).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
lambda_port=${LAMBDA_PORT:-9311}
pool_port=${POOL_PORT:-9312}
pool_id=us-east-1_LambdaE2E
client_id=e2e0client000000000000001
work=$(mktemp -d)
pids=()
cleanup() {
    status=$?
    # Each server runs in its own process group (setsid): `cargo lambda watch` has the
    # function as a child, which must go too.
    for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
    if [ "$status" -ne 0 ]; then
        for log in watch pool site; do
            [ -s "$work/$log.log" ] || continue
            echo "--- last lines of the $log log:"
            tail -n 30 "$work/$log.log"
        done
        echo "FAIL: lambda e2e (exit $status)"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }

if ! cargo lambda --version >/dev/null 2>&1; then
    t=$(now)
    # Debian's system pip refuses to install outside a venv ("externally-managed-environment").
    pip install --quiet cargo-lambda || pip install --quiet --break-system-packages cargo-lambda
    echo "timing: pip install cargo-lambda: $(since "$t")"
fi
cargo lambda --version >/dev/null 2>&1 || fail "cargo-lambda is not installed (pip install cargo-lambda)"

t=$(now)
# The binaries as `cargo test --workspace` builds them (the integration tests run them too), so
# that after the test run in .ci/run nothing is compiled again; `cargo build -p …` alone would
# unify other features and rebuild much of the tree.
(cd "$root" && CARGO_TARGET_DIR=$target cargo test --quiet --workspace --no-run)
echo "timing: the workspace's test build (userpool, hallpass-site): $(since "$t")"

t=$(now)
(cd "$here/add-claim" && CARGO_TARGET_DIR=$target/lambda-e2e cargo build --quiet)
echo "timing: build of the function (the first one compiles lambda_runtime, aws_lambda_events): $(since "$t")"

# The site's port: SITE_PORT, else one the kernel says is free now.
site_port=${SITE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
for port in "$lambda_port" "$pool_port" "$site_port"; do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        fail "port $port is in use (LAMBDA_PORT / POOL_PORT / SITE_PORT choose others)"
    fi
done

(cd "$here/add-claim" && CARGO_TARGET_DIR=$target/lambda-e2e \
    exec setsid cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$lambda_port" \
    >"$work/watch.log" 2>&1) &
pids+=($!)

# The first invocation waits for `cargo lambda watch` to start the function: warm it up
# directly, so the pool's 5 s limit is not spent on that.
t=$(now)
invoke="http://127.0.0.1:$lambda_port/2015-03-31/functions/add-claim/invocations"
warm='{"version":"2","triggerSource":"TokenGeneration_Authentication","region":"us-east-1","userPoolId":"us-east-1_LambdaE2E","userName":"x","callerContext":{"awsSdkVersion":"x","clientId":"x"},"request":{"userAttributes":{},"groupConfiguration":{"groupsToOverride":[],"iamRolesToOverride":[],"preferredRole":null},"scopes":[]},"response":{"claimsAndScopeOverrideDetails":null}}'
for _ in $(seq 1 600); do
    if curl -sf -o /dev/null -X POST "$invoke" -d "$warm"; then break; fi
    sleep 0.5
done
curl -sf -o /dev/null -X POST "$invoke" -d "$warm" || fail "cargo lambda watch does not run the function"
echo "timing: cargo lambda watch until the function answers: $(since "$t")"

# The user's own `name` is not the one the site must show: the function's override wins.
cat >"$work/pool.toml" <<TOML
[[pools]]
id = "$pool_id"

[pools.lambda_config]
pre_token_generation_config = { lambda_version = "V2_0", lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:add-claim" }

[[pools.clients]]
id = "$client_id"

[[pools.users]]
email = "e2e@example.com"
password = "Passw0rd!"
attributes = { name = "Name From The Pool" }
TOML
setsid "$target/debug/userpool" serve --config "$work/pool.toml" --db "$work/pool.db" \
    --port "$pool_port" --lambda-endpoint "http://127.0.0.1:$lambda_port" >"$work/pool.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$pool_port/$pool_id/.well-known/openid-configuration" && break
    sleep 0.2
done

t=$(now)
reply=$(curl -sf -X POST "http://127.0.0.1:$pool_port/" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \
    -d '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"'"$client_id"'","AuthParameters":{"USERNAME":"e2e@example.com","PASSWORD":"Passw0rd!"}}') \
    || fail "the JSON API sign-in through the trigger"
echo "timing: sign-in through the trigger: $(since "$t")"

python3 - "$reply" <<'PY'
import base64, json, sys
result = json.loads(sys.argv[1])["AuthenticationResult"]
def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
id_token, access = claims(result["IdToken"]), claims(result["AccessToken"])
try:
    assert id_token["e2e_claim"] == "from-cargo-lambda", id_token
    assert id_token["name"] == "Lambda E2E User", id_token
    assert access["e2e_claim"] == "from-cargo-lambda", access
    assert "e2e/read" in access["scope"].split(), access["scope"]
except (AssertionError, KeyError) as e:
    print(f"FAIL: the tokens of the JSON API sign-in: {e!r}")
    sys.exit(1)
print("PASS: JSON API sign-in: the ID and access tokens carry the claim and scope added by the function, the ID token its name")
PY

# The example site against this pool, on its own port, started from the empty work directory
# (no .env / .env.local of the checkout applies).
site="http://localhost:$site_port"
(cd "$work" && exec env PORT="$site_port" AUTH_URL="$site" \
    AUTH_SECRET=lambda-e2e-fixed-secret-0123456789abcdef \
    COGNITO_CLIENT_ID="$client_id" COGNITO_ISSUER="http://localhost:$pool_port/$pool_id" \
    COGNITO_SIGNIN=form RUST_LOG="${RUST_LOG:-info}" \
    setsid "$target/debug/hallpass-site" >"$work/site.log" 2>&1) &
pids+=($!)
t=$(now)
for _ in $(seq 1 150); do
    curl -4 -s -o /dev/null "$site/" && break
    sleep 0.2
done
curl -4 -s -o /dev/null "$site/" || fail "the example site does not answer on $site"
echo "timing: the example site until it answers: $(since "$t")"

# Sign in as a browser would: the site's own sign-in page (its CSRF cookie and token), the
# form post, the redirects; then the protected page with the session cookie.
t=$(now)
jar="$work/cookies.txt"
browse() { curl -4 -s -S --fail-with-body -b "$jar" -c "$jar" "$@"; }
browse -o "$work/signin.html" "$site/account/signin?callbackUrl=%2Fprotected" \
    || fail "GET /account/signin"
form=$(python3 - "$work/signin.html" <<'PY'
import html, re, sys
page = open(sys.argv[1]).read()
main = re.search(r'<form[^>]*id="main-form"[^>]*>(.*?)</form>', page, re.S)
if not main:
    sys.exit("no sign-in form on the page")
action = re.search(r'action="([^"]*)"', main.group(0)).group(1)
names = re.findall(r'<input[^>]*\bname="([^"]*)"', main.group(1))
token = re.search(r'<input[^>]*name="csrfToken"[^>]*value="([^"]*)"', main.group(1))
for need in ("csrfToken", "username", "password", "callbackUrl"):
    if need not in names:
        sys.exit(f"the form has no {need} field (fields: {names})")
print(html.unescape(action))
print(html.unescape(token.group(1)))
PY
) || fail "the sign-in page's form"
action=$(sed -n 1p <<<"$form")
csrf=$(sed -n 2p <<<"$form")
# The page names the site's own URL (AUTH_URL) in the action.
[ "${action#"$site"}" = /api/auth/cognito/signin ] \
    || fail "the form posts to $action, not $site/api/auth/cognito/signin"
action=${action#"$site"}
browse -L -o "$work/after.html" -w '%{url_effective}\n' "$site$action" \
    -H "Origin: $site" -H "Referer: $site/account/signin" \
    --data-urlencode "csrfToken=$csrf" --data-urlencode "username=e2e@example.com" \
    --data-urlencode "password=Passw0rd!" --data-urlencode "callbackUrl=/protected" \
    >"$work/landed" || fail "POST $action"
echo "the sign-in form landed on $(cat "$work/landed")"
browse -o "$work/protected.html" -w '%{http_code} %{url_effective}\n' "$site/protected" >"$work/status" \
    || fail "GET /protected"
echo "timing: the site's sign-in and /protected: $(since "$t")"
shown=$(python3 - "$work/protected.html" <<'PY'
import html, re, sys
text = html.unescape(re.sub(r"<[^>]*>", "", open(sys.argv[1]).read()))
m = re.search(r"Signed in as ([^\n]*?)\.?\s*$", text, re.M)
print(m.group(1).strip() if m else "")
PY
)
if [ "$shown" != "Lambda E2E User" ]; then
    echo "GET /protected: $(cat "$work/status"); the page says \"Signed in as ${shown:-<nothing>}\""
    fail "the example site does not show the name the function set"
fi
echo "PASS: the example site signed in through the form shows \"Signed in as $shown\" on /protected"
