"""Later contract years of a multi-year row: lay them out, draft each year's invoice ahead of its
anniversary, send it after review, and what the renewals view lists.

Every Stripe write goes through `write_planned` with a key from `renewal_key`, so the daily job and
`flask annual-plans draft-renewals` can run any number of times and make each year's invoice once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.billing.contract_years import Period, contract_periods, draft_on, period_lines
from app.billing.instalments import ANNUAL, pays_in_instalments
from app.billing.renewal_requests import year_invoice_params, year_line
from app.billing.stripe_requests import PlannedCall, renewal_key
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan, ContractYear, PlanWarning
from app.refusals import Invalid, NotFound, Refusal, StripeFailed
from app.services.audit import Actor, record_audit
from app.services.catalog import catalog_id
from app.services.plan_locks import row_lock
from app.services.plan_values import get_plan
from app.services.plan_write_plans import expected_lines
from app.services.stripe_writes import write_planned
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

RENEWING_STAGES = ("sent", "live")  # year one's invoice is out: later years may follow
LAST_PERIOD_FIELD = "last_period"


@dataclass(frozen=True)
class RenewalOutcome:
    plan_id: int
    year: int
    result: str  # drafted | would draft | failed
    detail: str


def period_of(year: ContractYear) -> Period:
    return Period(year.number, year.starts_on, year.ends_on, year.months)


def years_of(session, plan_id: int) -> list[ContractYear]:
    return list(session.scalars(select(ContractYear).where(ContractYear.plan_id == plan_id)
                                .order_by(ContractYear.number)))


def lay_out_years(session, plan: AnnualPlan) -> list[ContractYear]:
    """The row's contract years as rows, once; a pro-rata last period the contract prices nowhere is
    flagged on the row for a person (its amount is never guessed)."""
    existing = {}
    for year in list(plan.contract_years):
        if year.attempt != plan.stripe_attempt and (year.number == 1 or year.status in ("due", "void")):
            plan.contract_years.remove(year)  # laid out before a Start over: the row's values may have changed since
        else:
            existing[year.number] = year
    session.flush()
    yearly = expected_lines(plan)
    for period in contract_periods(plan.start_date, plan.term_months):
        if period.number in existing:
            continue
        lines = period_lines(yearly, period, None)
        year = ContractYear(attempt=plan.stripe_attempt, number=period.number,
                            starts_on=period.starts_on, ends_on=period.ends_on, months=period.months,
                            amount_cents=None if lines is None else sum(lines.values()), status="due", error="")
        if period.number == 1:
            year.invoice_id = plan.invoice_id  # the row's own; its status is the row's invoice_status
            year.status = {"draft": "drafted", "open": "sent"}.get(plan.invoice_status or "", plan.invoice_status or "due")
        plan.contract_years.append(year)
        existing[period.number] = year
        if lines is None and not any(w.field == LAST_PERIOD_FIELD for w in plan.warnings):
            plan.warnings.append(PlanWarning(field=LAST_PERIOD_FIELD, raw=f"{plan.term_months} months", message=(
                f"the term ends with a {period.months}-month period from {period.starts_on.isoformat()} whose amount "
                f"the contract does not state: set it (flask annual-plans set-period-amount {plan.id} {period.number} "
                "CENTS) before it is drafted")))
    session.flush()
    return [existing[n] for n in sorted(existing)]


def undo_later_years(session, gateway, plan: AnnualPlan, key, write) -> list[str]:
    """Start over: each later year's draft is deleted and a sent one voided, so nothing of the
    earlier attempt is left to pay; a paid one must be refunded in Stripe first."""
    undone = []
    for year in years_of(session, plan.id):
        if year.number == 1 or not year.invoice_id or year.status in ("due", "void"):
            continue
        invoice_id, step = year.invoice_id, f"year{year.number}"
        void_key = key(f"{step}-void")
        status = gateway.retrieve_invoice(invoice_id).get("status")
        if status == "paid":
            raise Invalid(f"year {year.number}'s invoice {invoice_id} is paid: refund it in Stripe first, then start over")
        if status == "draft":
            write(key(f"{step}-delete"), "delete_invoice", lambda i=invoice_id: gateway.delete_invoice(i))
        elif status == "open":
            write(void_key, "void_invoice", lambda i=invoice_id, k=void_key: gateway.void_invoice(i, k))
        year.status = "void"
        undone.append(f"year {year.number}'s invoice {invoice_id} ({status}) undone")
    return undone


def renewal_refusal(plan: AnnualPlan, number: int | None = None) -> str | None:
    """Why year `number` (any later year when None) of this row may not be drafted now; None when it may."""
    which = f"year {number}" if number else "a later year"
    if pays_in_instalments(plan):
        return f"row {plan.id} is paid in instalments: its credits schedule charges every contract year"
    if plan.stage not in RENEWING_STAGES:
        if plan.stripe_attempt > 1:
            return (f"row {plan.id} was started over (it is {plan.stage} again): create and send its first year "
                    f"again before {which} is drafted")
        return f"row {plan.id} is {plan.stage}: its first year's invoice must be sent before {which} is drafted"
    if number is None:
        return None if (plan.term_months or 0) > 12 else f"row {plan.id}'s term of {plan.term_months} months has one year"
    if not plan.start_date or not plan.term_months or not 2 <= number <= len(contract_periods(plan.start_date,
                                                                                              plan.term_months)):
        return f"row {plan.id}'s term has no contract year {number} to draft"
    return None


def draft_renewal(session, gateway, catalog, actor: Actor, plan_id: int, number: int) -> ContractYear:
    """Year `number`'s draft invoice with its lines and amortization metadata, once; or a clear refusal."""
    refusal = renewal_refusal(get_plan(session, plan_id), number)
    if refusal:
        raise Invalid(refusal)  # before the lock: a refused renewal writes nothing
    with row_lock(session, plan_id, f"draft_year{number}"):
        return _draft_year(session, gateway, catalog, actor, get_plan(session, plan_id), number)


def _draft_year(session, gateway, catalog, actor: Actor, plan: AnnualPlan, number: int) -> ContractYear:
    year = next(y for y in lay_out_years(session, plan) if y.number == number)
    if year.attempt != plan.stripe_attempt:
        raise Invalid(f"row {plan.id} was started over after year {number} was laid out; "
                      "its later years belong to the earlier attempt")
    if year.status != "due":
        return year
    lines = period_lines(expected_lines(plan), period_of(year), year.amount_cents)
    if lines is None:
        raise Invalid(f"row {plan.id}: the contract does not state the amount of its last "
                      f"{year.months}-month period; set it before year {number} is drafted")
    try:
        invoice_id = _write_draft(session, gateway, catalog, plan, period_of(year), lines)
    except StripeGatewayError as exc:
        year.error = f"draft: {exc}"
        raise StripeFailed(f"Stripe refused or failed: {exc}; nothing was duplicated, run it again to resume",
                           http_status=exc.http_status) from exc
    year.invoice_id, year.status, year.drafted_at, year.error = invoice_id, "drafted", utcnow(), ""
    record_audit(session, actor, "annual_plan.year_drafted", "annual_plan", plan.id,
                 after={"year": number, "invoice_id": invoice_id, "amount_cents": sum(lines.values())},
                 stripe_request_ids=gateway.request_ids)
    return year


def _write_draft(session, gateway, catalog, plan, period: Period, lines: dict[str, int]) -> str:
    key = renewal_key(plan, period.number, "invoice")
    invoice_call = PlannedCall("invoice", "create_invoice", f"Draft invoice for contract year {period.number}",
                               year_invoice_params(plan, period, lines, key), key)
    invoice_id = write_planned(session, gateway, invoice_call, ("annual_plan", plan.id), f"year{period.number}:invoice",
                               find=_by_step(gateway, plan, key)).object_id
    key = renewal_key(plan, period.number, "lines")
    params = {"lines": [year_line(plan, period, product_key, cents, catalog_id(session, "product", product_key),
                                  catalog.product(product_key).name, catalog.currency, key)
                        for product_key, cents in lines.items()]}
    write_planned(session, gateway, PlannedCall("lines", "add_invoice_lines", "Up-front lines", params, key, invoice_id),
                  ("annual_plan", plan.id), f"year{period.number}:lines", find=_lines_added(gateway, invoice_id, key))
    return invoice_id


def _by_step(gateway, plan, key):
    """After Stripe forgot the key: the invoice carrying it as `annual_plan_step`."""
    return lambda: next((i for i in gateway.list_invoices({"customer": plan.stripe_customer_id, "limit": 100})
                         if (i.get("metadata") or {}).get("annual_plan_step") == key), None)


def _lines_added(gateway, invoice_id: str, key: str):
    def added():
        steps = {(ln.get("metadata") or {}).get("annual_plan_step", "") for ln in gateway.invoice_lines(invoice_id)}
        return {"id": invoice_id} if any(s.startswith(key + ".") for s in steps) else None

    return added


def draft_renewals(session, gateway, catalog, actor: Actor, today: date, lead_days: int,
                   dry_run: bool = False, plan_id: int | None = None) -> list[RenewalOutcome]:
    """Every later year whose lead time has come; one row's failure is recorded and the rest go on.
    For one row (`plan_id`), a row that may not renew is refused, with nothing written."""
    outcomes = []
    if plan_id is not None:
        refusal = renewal_refusal(get_plan(session, plan_id))
        if refusal:
            raise Invalid(refusal)
    plans = session.scalars(select(AnnualPlan).where(AnnualPlan.stage.in_(RENEWING_STAGES), AnnualPlan.term_months > 12,
                                                     AnnualPlan.payment_schedule == ANNUAL).order_by(AnnualPlan.id)
                            .where(True if plan_id is None else AnnualPlan.id == plan_id)).all()
    for plan in plans:
        for period in _due_periods(session, plan, today, lead_days):
            if dry_run:
                outcomes.append(RenewalOutcome(plan.id, period.number, "would draft",
                                               f"{plan.company}: year {period.number} from {period.starts_on}"))
                continue
            try:
                year = draft_renewal(session, gateway, catalog, actor, plan.id, period.number)
                outcomes.append(RenewalOutcome(plan.id, period.number, "drafted", f"invoice {year.invoice_id}"))
            except Refusal as exc:
                outcomes.append(RenewalOutcome(plan.id, period.number, "failed", str(exc)))
            checkpoint(session, "renewal_drafted")
    return outcomes


def _due_periods(session, plan: AnnualPlan, today: date, lead_days: int) -> list[Period]:
    made = {y.number for y in years_of(session, plan.id) if y.status != "due"}
    return [p for p in contract_periods(plan.start_date, plan.term_months)[1:]
            if p.number not in made and draft_on(p, lead_days) <= today < p.ends_on]


def get_year(session, plan_id: int, number: int) -> ContractYear:
    year = session.scalar(select(ContractYear).where(ContractYear.plan_id == plan_id, ContractYear.number == number))
    if year is None:
        raise NotFound(f"row {plan_id} has no contract year {number} yet")
    return year
