"""Demo data for `make run` on an empty database: the sample contracts, loaded."""
from __future__ import annotations

from app import collaborators
from app.config import ROOT
from app.gateways.contracts import FolderSource, read_details_file
from app.services.audit import Actor
from app.services.contract_loading import load_plan
from app.services.contract_webhooks import create_plan_for_document

DEMO_CONTRACTS = ROOT / "demo" / "contracts"
DEMO_ACTOR = Actor.system("demo-seed")


def seed_demo_data(session) -> list[str]:
    """Rows for each sample contract, loaded through the folder source (one has warnings)."""
    source, report = FolderSource(DEMO_CONTRACTS), []
    for path in sorted(DEMO_CONTRACTS.glob("*.details.json")):
        details = read_details_file(path)
        plan = create_plan_for_document(session, details["id"], details.get("name", ""), DEMO_ACTOR,
                                        note="demo data", load=False)
        if plan is None:
            continue
        session.commit()
        result = load_plan(session, DEMO_ACTOR, plan.id, source, collaborators.contract_mapping(),
                           collaborators.own_email_domains())
        session.commit()
        report.append(f"Demo contract {details.get('name') or details['id']}: row {plan.id}, "
                      f"{len(result.plan.open_warnings)} warnings")
    from app.demo.customers import seed_demo_customers
    from app.demo.revenue import seed_demo_revenue
    from app.demo.usage import seed_demo_usage

    report += seed_demo_customers(session)
    report += seed_demo_usage(session) + seed_demo_revenue(session)
    return report + [_daily_checks(session)]


def _daily_checks(session) -> str:
    """The worker's daily notification checks, run once now, so Notifications shows what the demo data raises
    (the usage gap, the contract years starting soon) without waiting for 06:15 UTC. Each is told once."""
    from app.jobs.handlers import notification_checks_daily

    session.commit()
    notification_checks_daily()
    return "Notification checks run once (see Notifications)"
