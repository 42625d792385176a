#!/usr/bin/env bash
# End-to-end test of userpool's Lambda triggers with real Lambda tooling: `cargo lambda watch`
# serves ./add-claim (a pre token generation V2 function written with aws_lambda_events'
# Cognito types) on the Lambda Invoke API, a `userpool serve` points its pool at it with
# --lambda-endpoint, and a password sign-in through the JSON API must return tokens carrying
# the function's claim and scope. Not part of `cargo test`: it needs `cargo-lambda`
# (`pip install cargo-lambda`, a prebuilt binary) and builds lambda_runtime, which takes a while.
#
# Usage: crates/userpool/tests/lambda-e2e/run.sh   (from anywhere; prints the timings)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
lambda_port=${LAMBDA_PORT:-9311}
pool_port=${POOL_PORT:-9312}
work=$(mktemp -d)
pids=()
cleanup() {
    # Each server runs in its own process group (setsid): `cargo lambda watch` has the
    # function as a child, which must go too.
    for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }

if ! command -v cargo-lambda >/dev/null; then
    t=$(now)
    pip install --quiet cargo-lambda
    echo "timing: pip install cargo-lambda: $(since "$t")"
fi

t=$(now)
(cd "$root" && CARGO_TARGET_DIR=$target cargo build --quiet -p userpool)
echo "timing: cargo build -p userpool: $(since "$t")"

t=$(now)
(cd "$here/add-claim" && CARGO_TARGET_DIR=$target/lambda-e2e cargo build --quiet)
echo "timing: build of the function (the first one compiles lambda_runtime, aws_lambda_events): $(since "$t")"

for port in "$lambda_port" "$pool_port"; do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        echo "port $port is in use (LAMBDA_PORT / POOL_PORT choose others)" >&2
        exit 1
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
curl -sf -o /dev/null -X POST "$invoke" -d "$warm" || { cat "$work/watch.log"; exit 1; }
echo "timing: cargo lambda watch until the function answers: $(since "$t")"

cat >"$work/pool.toml" <<TOML
[[pools]]
id = "us-east-1_LambdaE2E"

[pools.lambda_config]
pre_token_generation_config = { lambda_version = "V2_0", lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:add-claim" }

[[pools.clients]]
id = "e2e0client000000000000001"

[[pools.users]]
email = "e2e@example.com"
password = "Passw0rd!"
TOML
setsid "$target/debug/userpool" serve --config "$work/pool.toml" --db "$work/pool.db" \
    --port "$pool_port" --lambda-endpoint "http://127.0.0.1:$lambda_port" >"$work/pool.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$pool_port/us-east-1_LambdaE2E/.well-known/openid-configuration" && break
    sleep 0.2
done

t=$(now)
reply=$(curl -sf -X POST "http://127.0.0.1:$pool_port/" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \
    -d '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"e2e0client000000000000001","AuthParameters":{"USERNAME":"e2e@example.com","PASSWORD":"Passw0rd!"}}') \
    || { echo "sign-in failed"; cat "$work/pool.log"; exit 1; }
echo "timing: sign-in through the trigger: $(since "$t")"

python3 - "$reply" <<'PY'
import base64, json, sys
result = json.loads(sys.argv[1])["AuthenticationResult"]
def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
id_token, access = claims(result["IdToken"]), claims(result["AccessToken"])
assert id_token["e2e_claim"] == "from-cargo-lambda", id_token
assert access["e2e_claim"] == "from-cargo-lambda", access
assert "e2e/read" in access["scope"].split(), access["scope"]
print("ok: the ID and access tokens carry the claim and scope added by the function")
PY
