#!/usr/bin/env bash
# `make run`: migrate, seed demo data, start the Stripe emulator (when no real key), the job
# worker and gunicorn. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi
FLASK=.venv/bin/flask
PORT=${PORT:-5000}
EMULATOR_PORT=${EMULATOR_PORT:-12111}
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
  export STRIPE_SECRET_KEY=sk_test_emulator
  export STRIPE_API_BASE=http://127.0.0.1:$EMULATOR_PORT
  export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_local_emulator}
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
