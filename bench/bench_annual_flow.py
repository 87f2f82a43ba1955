"""The Stripe buttons for 100 ready rows through the CLI twins, against the emulator.

    .venv/bin/python bench/bench_annual_flow.py                  # no rate limit
    .venv/bin/python bench/bench_annual_flow.py --rate-limit 25  # Stripe test mode's limit

Reports Stripe calls per row, wall time, the floor the rate limit sets (calls / limit), their
ratio, and duplicates (objects beyond one invoice and one schedule per row).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

TMP = harness.scratch_dir("bench-flow-")

from app import collaborators  # noqa: E402
from app.extensions import db  # noqa: E402
from app.gateways.stripe import StripeGateway  # noqa: E402
from app.models import AnnualPlan  # noqa: E402
from app.services.audit import Actor  # noqa: E402
from app.services.catalog import bootstrap_catalog  # noqa: E402
from app.services.contract_loading import load_plan  # noqa: E402
from app.services.contract_webhooks import create_plan_for_document  # noqa: E402

ACTOR = Actor.system("bench")
CALLS = {"n": 0}


class _OneDocument:
    def __init__(self, details):
        self.details = details

    def fetch_details(self, _document_id):
        return self.details


def _prepare(app, rows: int) -> list[int]:
    """Rows loaded from Acme's contract, each with its own Stripe customer: stage ready."""
    template = json.loads((harness.ROOT / "demo" / "contracts" / "acme.details.json").read_text())
    ids = []
    with app.app_context():
        gateway = collaborators.stripe_gateway()
        bootstrap_catalog(db.session, gateway, collaborators.catalog())
        for n in range(rows):
            details = copy.deepcopy(template)
            details["id"] = f"FlowBench{n:04d}"
            plan = create_plan_for_document(db.session, details["id"], "Bench", ACTOR, load=False)
            db.session.commit()
            load_plan(db.session, ACTOR, plan.id, _OneDocument(details), collaborators.contract_mapping(), [])
            customer = gateway.create_customer_raw({"name": f"Bench {n}"}, f"bench-customer-{n}")
            plan = db.session.get(AnnualPlan, plan.id)
            plan.stripe_customer_id, plan.stage = customer["id"], "ready"
            db.session.commit()
            ids.append(plan.id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--rate-limit", type=float, default=None, help="emulator and client limit, requests/s")
    options = parser.parse_args()
    proc, url = harness.start_emulator(options.rate_limit)
    try:
        app = harness.bench_app(f"sqlite:///{TMP / 'flow.db'}", url, STRIPE_RATE_LIMIT=options.rate_limit or 0)
        ids = _prepare(app, options.rows)
        real_call = StripeGateway._call

        def counted(self, fn, *args, **kwargs):
            CALLS["n"] += 1
            return real_call(self, fn, *args, **kwargs)

        StripeGateway._call = counted
        runner = app.test_cli_runner()
        started = time.perf_counter()
        for plan_id in ids:
            for command in ("create-subscription", "amortize", "schedule"):
                result = runner.invoke(args=["annual-plans", command, str(plan_id)])
                assert result.exit_code == 0, result.output
        wall = time.perf_counter() - started
        dump = json.loads(urllib.request.urlopen(f"{url}/_emulator/dump").read())
    finally:
        harness.stop(proc)
    objects = dump.get("objects", dump)
    invoices = len(objects.get("invoice", {}))
    schedules = len(objects.get("subscription_schedule", {}))
    calls = CALLS["n"]
    floor = calls / options.rate_limit if options.rate_limit else None
    print(json.dumps({
        "rows": options.rows, "rate_limit_per_s": options.rate_limit, "stripe_calls": calls,
        "calls_per_row": round(calls / options.rows, 2), "wall_s": round(wall, 2),
        "floor_s": round(floor, 2) if floor else None, "ratio_to_floor": round(wall / floor, 3) if floor else None,
        "invoices": invoices, "schedules": schedules,
        "duplicates": (invoices - options.rows) + (schedules - options.rows),
    }, indent=2))


if __name__ == "__main__":
    main()
