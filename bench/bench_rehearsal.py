"""A 36-month rehearsal (the massive-dynamic-36m sample) against the emulator, timed end to end.

    .venv/bin/python bench/bench_rehearsal.py [--runs 5] [--rate-limit 24]

Starts an emulator process, takes the sample through Create Annual Subscription, Amortize and Schedule, then runs
`flask annual-plans rehearse ID --json` --runs times. Each run makes its own test clock, plays the 36 months and
deletes the clock. Reports each run's wall time, the median, the Stripe calls of a run (meter events apart), and
the CPU seconds of this process and of the emulator for each run (steadier than wall time on a shared machine).
By default the app paces itself as against Stripe test mode (24 requests/s, its default for a test key);
--rate-limit 0 turns pacing off.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

TMP = harness.scratch_dir("bench-rehearsal-")

from app import collaborators  # noqa: E402
from app.extensions import db  # noqa: E402
from app.gateways.stripe import StripeGateway  # noqa: E402
from app.models import AnnualPlan  # noqa: E402
from app.services.audit import Actor  # noqa: E402
from app.services.catalog import bootstrap_catalog  # noqa: E402
from app.services.contract_loading import load_plan  # noqa: E402
from app.services.contract_webhooks import create_plan_for_document  # noqa: E402

ACTOR = Actor.system("bench")
SAMPLE = harness.ROOT / "tests" / "fixtures" / "contracts" / "massive-dynamic-36m.details.json"


class _OneDocument:
    def __init__(self, details):
        self.details = details

    def fetch_details(self, _document_id):
        return self.details


def _scheduled_row(app) -> int:
    details = json.loads(SAMPLE.read_text())
    with app.app_context():
        gateway = collaborators.stripe_gateway()
        bootstrap_catalog(db.session, gateway, collaborators.catalog())
        plan = create_plan_for_document(db.session, details["id"], "Bench", ACTOR, load=False)
        db.session.commit()
        load_plan(db.session, ACTOR, plan.id, _OneDocument(details), collaborators.contract_mapping(), [])
        customer = gateway.create_customer_raw({"name": "Massive Bench", "address": {
            "line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}}, "bench-customer")
        plan = db.session.get(AnnualPlan, plan.id)
        plan.stripe_customer_id, plan.stage, plan.tax_id_not_needed = customer["id"], "ready", True
        plan.contact_email = plan.contact_email or "ap@massive.example"
        db.session.commit()
        plan_id = plan.id
    runner = app.test_cli_runner()
    for command in ("create-subscription", "amortize", "schedule"):
        result = runner.invoke(args=["annual-plans", command, str(plan_id)])
        assert result.exit_code == 0, result.output
    return plan_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate-limit", type=float, default=24.0, help="the app's pacing, requests/s (0: none)")
    options = parser.parse_args()
    proc, url = harness.start_emulator()
    calls = {"n": 0}
    try:
        app = harness.bench_app(f"sqlite:///{TMP / 'rehearsal.db'}", url, STRIPE_RATE_LIMIT=options.rate_limit)
        plan_id = _scheduled_row(app)
        real_call = StripeGateway._call

        def counted(self, fn, *args, **kwargs):
            calls["n"] += 1
            return real_call(self, fn, *args, **kwargs)

        StripeGateway._call = counted
        runner = app.test_cli_runner()
        walls, cpu, findings = [], [], None
        for _ in range(options.runs):
            calls["n"] = 0
            started, cpu_before = time.perf_counter(), (harness.cpu_seconds(os.getpid()), harness.cpu_seconds(proc.pid))
            result = runner.invoke(args=["annual-plans", "rehearse", str(plan_id), "--json"])
            walls.append(time.perf_counter() - started)
            cpu.append((harness.cpu_seconds(os.getpid()) - cpu_before[0], harness.cpu_seconds(proc.pid) - cpu_before[1]))
            assert result.exit_code == 0, result.output
            findings = json.loads(result.output)["findings"]
    finally:
        harness.stop(proc)
    print(json.dumps({"months": 36, "rate_limit_per_s": options.rate_limit, "runs_s": [round(w, 2) for w in walls],
                      "median_s": round(statistics.median(walls), 2), "stripe_calls_per_run": calls["n"],
                      "cpu_s_app_emulator": [[round(a, 2), round(e, 2)] for a, e in cpu],
                      "findings": findings}, indent=2))


if __name__ == "__main__":
    main()
