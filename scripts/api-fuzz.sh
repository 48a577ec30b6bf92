#!/usr/bin/env bash
# API fuzzing: schemathesis (pinned in scripts/api-fuzz/requirements.txt) against the device API's
# own /openapi.json on a real perisai-server, with every check on: no 5xx, and every answer as
# documented (status, content type, body schema with the exact error codes, headers), for
# schema-valid and schema-invalid requests, missing headers and wrong methods.
#
# Usage: scripts/api-fuzz.sh [MAX_EXAMPLES]       (default 40 per operation and phase: the CI run)
#   PERISAI_API_FUZZ_BACKEND=postgres   run on PostgreSQL (a fresh database on the server of
#                                       PERISAI_TEST_POSTGRES_URL, or scripts/lib/postgres.sh's)
#   PERISAI_API_FUZZ_PHASES=...         schemathesis phases (default examples,coverage,fuzzing,stateful)
#   PERISAI_API_FUZZ_SEED=N|random      the seed (default: the fixed seed below, so that CI runs the
#                                       same cases every time and a red run is a regression, not
#                                       luck; `random`: schemathesis picks one and prints it, for
#                                       the long campaigns of docs/RELIABILITY.md)
#   PERISAI_API_FUZZ_REPORT_DIR=DIR     keep the JUnit report, stats and server log there
# The long campaign of docs/RELIABILITY.md ("API fuzzing") is `scripts/api-fuzz.sh 1000`.
#
# The server runs on a fresh database (SQLite in a temporary folder by default) with a branch,
# three agents, two devices activated by scripts/api-fuzz/device.py (one of them then revoked)
# and a spare activation code;
# scripts/api-fuzz/hooks.py sends a share of the fuzzed requests from those devices, signed, so
# the fuzzer reaches what lies behind the signature checks. Afterwards the server's log is
# checked: no panic, no error logged, and none of the personal data the devices sent.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MAX_EXAMPLES=${1:-40}
BACKEND=${PERISAI_API_FUZZ_BACKEND:-sqlite}
PHASES=${PERISAI_API_FUZZ_PHASES:-examples,coverage,fuzzing,stateful}
VENV=$ROOT/target/api-fuzz-venv
REQUIREMENTS=$ROOT/scripts/api-fuzz/requirements.txt
# No __pycache__ beside the hooks in the source tree.
export PYTHONDONTWRITEBYTECODE=1

step() { printf '\n==> %s\n' "$*"; }

step "schemathesis (venv $VENV)"
mkdir -p "$ROOT/target"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || {
    echo "cannot create a Python venv: install python3-venv (Debian/Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  }
fi
# Reinstalled only when the pins changed.
if ! cmp -s "$REQUIREMENTS" "$VENV/.api-fuzz-requirements"; then
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"; then
    echo "pip could not install $(tr '\n' ' ' <"$REQUIREMENTS" | sed 's/#[^ ]* //g')from PyPI." >&2
    echo "Check the network or a proxy (HTTPS_PROXY, PIP_INDEX_URL), then run this again." >&2
    exit 1
  fi
  cp "$REQUIREMENTS" "$VENV/.api-fuzz-requirements"
fi
"$VENV/bin/schemathesis" --version

step "perisai-server (cargo build -p perisai-server)"
cargo build -q -p perisai-server --bin perisai-server
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
SERVER=$TARGET_DIR/debug/perisai-server

# Under target/, not /tmp: removed by this script only.
WORK=$(mktemp -d "$ROOT/target/api-fuzz-run.XXXXXX")
SERVER_PID=""
PG_DATABASE=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # A server that does not stop within 10 s is killed: nothing of this run stays behind.
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_DATABASE" ]; then
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# Ctrl-C and a TERM from the caller end the script through the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

case "$BACKEND" in
  sqlite)
    DATABASE_URL="sqlite:$WORK/data/perisai.db"
    ;;
  postgres)
    # shellcheck source=lib/postgres.sh
    source scripts/lib/postgres.sh
    ensure_postgres
    PG_ADMIN_URL=$PERISAI_TEST_POSTGRES_URL
    PG_DATABASE="perisai_api_fuzz_$$_$(date +%s)"
    psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DATABASE" >/dev/null
    DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DATABASE"
    ;;
  *)
    echo "PERISAI_API_FUZZ_BACKEND must be sqlite or postgres, not '$BACKEND'" >&2
    exit 1
    ;;
esac

# Only what this script says applies (no PERISAI_* setting of the caller's shell; the test
# run's marker PERISAI_TEST_RUN stays, so that scripts/test.sh can find a server left behind).
SERVER_CMD=(env $(env | sed -n '/^PERISAI_TEST_RUN=/d; s/^\(PERISAI_[A-Z_]*\)=.*/-u \1/p')
  RUST_LOG=info NO_COLOR=1 "$SERVER" --database-url "$DATABASE_URL" --key-dir "$WORK/keys")
server() { "${SERVER_CMD[@]}" "$@"; }
admin() { server admin "$@" 2>>"$WORK/admin.log" | tail -n 1; }

step "Server on $BACKEND, a branch, two devices (one revoked)"
# Started directly, not through the `server` function: a backgrounded function runs in a
# subshell, and $! would be the subshell's PID, so stopping it would orphan the server. `env`
# execs the server, so $! is the server's own PID.
"${SERVER_CMD[@]}" serve --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$WORK/server.out")
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "the server did not start; its log:" >&2
  tail -n 40 "$WORK/server.log" >&2
  exit 1
fi
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$URL/healthz"
echo

admin create-branch --code KC99 --name "Kantor Cabang Uji Fuzz" >/dev/null
WADAH=$(admin create-wadah --branch KC99 --name "Koperasi Uji Fuzz")
ACTIVE_AGENT=$(admin create-agent --wadah "$WADAH" --name "Agen Uji Satu")
REVOKED_AGENT=$(admin create-agent --wadah "$WADAH" --name "Agen Uji Dua")
device() { "$VENV/bin/python" scripts/api-fuzz/device.py activate "$URL" "$1" "$2"; }
ACTIVE_CODE=$(admin issue-code --agent "$ACTIVE_AGENT")
ACTIVE_DEVICE=$(device "$ACTIVE_CODE" "$WORK/active.pem")
REVOKED_DEVICE=$(device "$(admin issue-code --agent "$REVOKED_AGENT")" "$WORK/revoked.pem")
admin revoke-device --device "$REVOKED_DEVICE" >/dev/null
SPARE_AGENT=$(admin create-agent --wadah "$WADAH" --name "Agen Uji Tiga")
SPARE_CODE=$(admin issue-code --agent "$SPARE_AGENT")
echo "active device $ACTIVE_DEVICE, revoked device $REVOKED_DEVICE"

step "schemathesis: $MAX_EXAMPLES examples per operation, phases $PHASES, all checks"
REPORT_DIR=${PERISAI_API_FUZZ_REPORT_DIR:-$WORK/report}
mkdir -p "$REPORT_DIR"
# The CI seed. A case a random campaign finds is added to the regression examples (hooks.py and
# tests/tests/attacks.rs), not chased by changing this.
CI_SEED=20261207
SEED=${PERISAI_API_FUZZ_SEED:-$CI_SEED}
SEED_ARGS=()
case "$SEED" in
  random) echo "seed: random (schemathesis prints the one it picks)" ;;
  '' | *[!0-9]*) echo "PERISAI_API_FUZZ_SEED must be a number or 'random', not '$SEED'" >&2; exit 2 ;;
  *) SEED_ARGS=(--seed "$SEED"); echo "seed: $SEED" ;;
esac
STARTED=$(date +%s)
set +e
(
  cd "$WORK"
  PYTHONPATH="$ROOT/scripts/api-fuzz" SCHEMATHESIS_HOOKS=hooks \
    PERISAI_FUZZ_URL="$URL" \
    PERISAI_FUZZ_DEVICE="$ACTIVE_DEVICE" PERISAI_FUZZ_DEVICE_KEY="$WORK/active.pem" \
    PERISAI_FUZZ_REVOKED_DEVICE="$REVOKED_DEVICE" PERISAI_FUZZ_REVOKED_KEY="$WORK/revoked.pem" \
    PERISAI_FUZZ_ACTIVE_CODE="$ACTIVE_CODE" PERISAI_FUZZ_SPARE_CODE="$SPARE_CODE" \
    PERISAI_FUZZ_STATS="$REPORT_DIR/stats.json" \
    "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/api-fuzz/schemathesis.toml" \
    run "$URL/openapi.json" \
    --checks all --phases "$PHASES" --max-examples "$MAX_EXAMPLES" \
    --workers 2 --request-timeout 35 --no-color \
    --report junit --report-dir "$REPORT_DIR" "${SEED_ARGS[@]}"
)
FUZZ_STATUS=$?
set -e
echo "schemathesis finished in $(($(date +%s) - STARTED)) s (exit $FUZZ_STATUS)"
if [ -f "$REPORT_DIR/stats.json" ]; then
  "$VENV/bin/python" - "$REPORT_DIR/stats.json" <<'EOF'
import json, sys
stats = json.load(open(sys.argv[1]))
answers = stats["answers"]
print(f"answers: {sum(answers.values())} requests")
for key, n in answers.items():
    print(f"  {n:6}  {key}")
print("signed variants sent by hooks.py:")
for key, n in stats["variants"].items():
    print(f"  {n:6}  {key}")
server_errors = sum(n for key, n in answers.items() if key.split(" ")[2].startswith("5"))
if server_errors:
    print(f"FAIL: {server_errors} answers with a 5xx status")
    sys.exit(1)
EOF
  STATS_STATUS=$?
else
  echo "no statistics written (hooks.py did not run to the end)"
  STATS_STATUS=1
fi

step "Stopping the server; its log"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
[ -n "${PERISAI_API_FUZZ_REPORT_DIR:-}" ] && cp "$WORK/server.log" "$REPORT_DIR/server.log"
LOG_STATUS=0
echo "$(wc -l <"$WORK/server.log") log lines"
if grep -nE 'panicked|ERROR' "$WORK/server.log" | head -n 20; then
  echo "FAIL: the server panicked or logged an error during the run (lines above)" >&2
  LOG_STATUS=1
fi
# Personal data the fuzzer's signed batches carried sit in bodies only: none may reach the log.
# The log holds ids and codes; a run of 16 digits would be an NIK, '+62'/'08…' a phone.
if grep -nE '(^|[^0-9a-f-])[0-9]{16}([^0-9a-f-]|$)|\+62[0-9]{8,}|full_name|"nik"' "$WORK/server.log" | head -n 20; then
  echo "FAIL: the server log holds what looks like personal data (lines above)" >&2
  LOG_STATUS=1
fi

if [ "$FUZZ_STATUS" -ne 0 ] || [ "$STATS_STATUS" -ne 0 ] || [ "$LOG_STATUS" -ne 0 ]; then
  echo
  echo "API fuzzing FAILED (schemathesis exit $FUZZ_STATUS, 5xx count check $STATS_STATUS, server log check $LOG_STATUS)"
  exit 1
fi
echo
echo "API fuzzing passed: no 5xx, every answer as documented, a clean server log."
