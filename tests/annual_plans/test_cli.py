"""`flask annual-plans ...`: the grid's rules from a shell; one readable line on refusal."""
import json

import pytest

from app.models import AnnualPlan
from tests.annual_plans.helpers import loaded_sample
from tests.conftest import CONTRACTS


@pytest.fixture
def run(app, db):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["annual-plans", *map(str, args)])


def test_import_contract_creates_and_loads_a_row(run, db):
    result = run("import-contract", CONTRACTS / "globex.details.json")
    assert result.exit_code == 0, result.output
    plan_id = int(result.output.strip().splitlines()[-1])
    plan = db.session.get(AnnualPlan, plan_id)
    assert (plan.company, plan.stage, plan.term_months) == ("Globex Corporation", "loaded", 36)
    again = run("import-contract", CONTRACTS / "globex.details.json")
    assert again.exit_code == 0 and int(again.output.strip().splitlines()[-1]) == plan_id
    assert db.session.scalar(db.select(db.func.count()).select_from(AnnualPlan)) == 1


@pytest.mark.parametrize("path, message", [
    ("/no/such/file.json", "cannot read"),
    (CONTRACTS / "acme.webhook.json", "not a PandaDoc document-details file"),
])
def test_import_contract_refusals(run, db, path, message):
    result = run("import-contract", path)
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(AnnualPlan)) == 0


def test_set_and_show_json(run, client, db):
    plan = loaded_sample(client, db, "acme")
    version_before = plan.version
    result = run("set", plan.id, "line.product_analytics.upfront_amount_cents", "6500000")
    assert result.exit_code == 0, result.output
    shown = json.loads(run("show", plan.id, "--json").output)
    line = next(ln for ln in shown["lines"] if ln["product_key"] == "product_analytics")
    assert line["upfront_amount_cents"] == 6500000
    assert shown["version"] > version_before
    assert run("set", plan.id, "line.product_analytics.upfront_amount_cents", "$70,000").exit_code == 0
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).line("product_analytics").upfront_amount_cents == 7000000


@pytest.mark.parametrize("args, message", [
    (["no_such_field", "x"], "unknown field 'no_such_field'"),
    (["line.product_analytics.upfront_amount_cents", "60000.50"], "give whole cents"),
    (["start_date", "03/04/2027"], "Start"),
    (["line.nonexistent.volume", "5"], "no line for product 'nonexistent'"),
])
def test_set_refusals_change_nothing(run, client, db, args, message):
    plan = loaded_sample(client, db, "acme")
    version = plan.version
    result = run("set", plan.id, *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).version == version


def test_set_with_a_stale_version_is_refused(run, client, db):
    plan = loaded_sample(client, db, "acme")
    result = run("set", plan.id, "company", "Acme Inc", "--version", plan.version - 1)
    assert result.exit_code == 1 and "changed by someone else" in result.output


def test_confirm_warning_and_list(run, client, db):
    plan = loaded_sample(client, db, "initech-needs-review")
    result = run("confirm-warning", plan.id, "term_months")
    assert result.exit_code == 0 and "warning on term_months confirmed" in result.output
    assert run("confirm-warning", plan.id, "term_months").exit_code == 1
    db.session.expire_all()
    open_now = len(db.session.get(AnnualPlan, plan.id).open_warnings)
    listing = run("list").output
    assert "Initech" in listing and f"warnings={open_now}" in listing


def test_unknown_row(run, db):
    result = run("show", 404)
    assert result.exit_code == 1 and "no annual plan row 404" in result.output
