#!/usr/bin/env bash
# `make run`: migrate, seed demo data, start the Stripe emulator (when no real key), the job
# worker and gunicorn. Ctrl-C stops everything this script started.
# `source scripts/run.sh` defines emulator_port_check without running anything (its test does that).

# Is the emulator's port free ("free"), held by a Stripe emulator ("emulator"), or taken by something
# else (one line on stderr, status 1)? Without this an unrelated program would silently get our Stripe calls.
emulator_port_check() {
  "${PYTHON:-.venv/bin/python}" - "$1" <<'PY'
import http.client, json, socket, sys

port = int(sys.argv[1])
probe = socket.socket()
probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    probe.bind(("127.0.0.1", port))
    print("free")
    sys.exit(0)
except OSError:
    pass
finally:
    probe.close()
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    connection.request("GET", "/_emulator/health")
    answer = connection.getresponse()
    is_emulator = answer.status == 200 and json.loads(answer.read()).get("ok") is True
except Exception:
    is_emulator = False
if is_emulator:
    print("emulator")
    sys.exit(0)
print(f"Error: port {port} is taken by another program, not the Stripe emulator; stop it or set EMULATOR_PORT.",
      file=sys.stderr)
sys.exit(1)
PY
}

main() {
set -euo pipefail
umask 077   # instance/ (database, queue, secret key, logs, emulator state): the owner only
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi
FLASK=.venv/bin/flask
PORT=${PORT:-5000}
EMULATOR_PORT=${EMULATOR_PORT:-12111}
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}  # notifications link back here
mkdir -p instance
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo; echo "Stopping ${#pids[@]} processes..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

if [ -f .env ]; then set -a; . ./.env; set +a; fi
if [ -z "${PANDADOC_API_KEY:-}" ]; then
  export CONTRACT_SOURCE=${CONTRACT_SOURCE:-files}   # contracts come from demo/contracts/
fi
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  port_state=$(emulator_port_check "$EMULATOR_PORT") || { trap - INT TERM EXIT; exit 1; }
  export STRIPE_SECRET_KEY=sk_test_emulator
  export STRIPE_API_BASE=http://127.0.0.1:$EMULATOR_PORT
  export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_local_emulator}
fi
if [ "${port_state:-}" = emulator ]; then
  echo "No STRIPE_SECRET_KEY: using the Stripe emulator already running on $STRIPE_API_BASE"
elif [ -n "${port_state:-}" ]; then
  echo "No STRIPE_SECRET_KEY: starting the local Stripe emulator on $STRIPE_API_BASE"
  .venv/bin/python -m stripe_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" \
    --state instance/stripe-emulator.json \
    --webhook-url "http://127.0.0.1:$PORT/webhooks/stripe" --webhook-secret "$STRIPE_WEBHOOK_SECRET" \
    >instance/stripe-emulator.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    .venv/bin/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $EMULATOR_PORT), 1)" 2>/dev/null && break
    sleep 0.2
  done
fi

$FLASK db upgrade
$FLASK catalog bootstrap >instance/catalog-bootstrap.log 2>&1 \
  && echo "Stripe catalog ready (see instance/catalog-bootstrap.log)" \
  || { echo "catalog bootstrap failed:"; tail -3 instance/catalog-bootstrap.log; }
$FLASK seed-demo

$FLASK jobs worker --workers 2 >instance/worker.log 2>&1 &
pids+=($!)
.venv/bin/gunicorn wsgi:app --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --access-logfile - --error-logfile - >instance/web.log 2>&1 &
pids+=($!)

for _ in $(seq 1 50); do
  .venv/bin/python -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  sleep 0.2
done
cat <<TXT

  Billing Console is running:  http://127.0.0.1:$PORT
  Demo login:                  admin@example.com / ${DEMO_ADMIN_PASSWORD:-demo-password-123}
  Logs:                        instance/web.log, instance/worker.log${STRIPE_API_BASE:+, instance/stripe-emulator.log}
  Press Ctrl-C to stop.

TXT
wait -n "${pids[@]}"
echo "A process exited; see the logs in instance/."
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
