#!/usr/bin/env bash
# Runs two Zhiyin API nodes against this machine's PostgreSQL and Redis, sharing one database and
# socket.io rooms through Redis Streams:
#   infra/local/two-nodes.sh            # nodes on :3001 and :3002
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432), DB (default zhiyin_local),
# REDIS_URL (default redis://127.0.0.1:6379), PORT_A / PORT_B, DICOM_PORT_A / DICOM_PORT_B (11112 / 11113).
set -euo pipefail
cd "$(dirname "$0")/../.."

PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-zhiyin_local}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
PORT_A=${PORT_A:-3001}
PORT_B=${PORT_B:-3002}
STATE=var/two-nodes
mkdir -p "$STATE"

pg_isready -d "$PGURL/postgres" -q || { echo "PostgreSQL is not answering at $PGURL" >&2; exit 1; }
redis-cli -u "$REDIS_URL" ping >/dev/null || { echo "Redis is not answering at $REDIS_URL" >&2; exit 1; }
psql "$PGURL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 || psql "$PGURL/postgres" -qc "CREATE DATABASE \"$DB\""

# Both nodes must share the signing key and data key.
if [ ! -f "$STATE/secrets.env" ]; then
  printf 'JWT_SECRET=%s\nDATA_KEY=%s\n' "$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')" "$(head -c 32 /dev/urandom | base64)" > "$STATE/secrets.env"
  chmod 600 "$STATE/secrets.env"
fi
set -a; . "$STATE/secrets.env"; set +a

TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

start_node() {
  local name=$1 port=$2 dicom_port=$3
  DATABASE_URL="$PGURL/$DB" REDIS_URL="$REDIS_URL" PORT="$port" DICOM_PORT="$dicom_port" DATA_DIR="$STATE/shared" \
    node apps/api/dist/main.js > "$STATE/$name.log" 2>&1 &
  pids+=($!)
}
start_node a "$PORT_A" "${DICOM_PORT_A:-11112}"
# The first node migrates and seeds; the second starts once the first answers.
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT_A/api/health" >/dev/null && break; sleep 1; done
start_node b "$PORT_B" "${DICOM_PORT_B:-11113}"
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT_B/api/health" >/dev/null && break; sleep 1; done

echo "node A: http://127.0.0.1:$PORT_A  (log $STATE/a.log)"
echo "node B: http://127.0.0.1:$PORT_B  (log $STATE/b.log)"
echo "Both share database $DB and Redis $REDIS_URL. Ctrl-C stops both."
wait
