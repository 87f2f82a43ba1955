"""Rehearse a row's whole term on a Stripe test clock before it goes live.

The row's customer is copied onto a new test clock, and the product's own services play the term on a
copy of the row (app/services/rehearsal_sandbox.py): the buttons' write plans (year one's invoice,
amortization, schedule, review and send), the renewals job on each day it would run, and the
`invoice.paid` webhook handler that grants the prepaid credit, all on the clock's time. The customer
pays each invoice the product sends; the usage forecast goes to Stripe as meter events each month.
Then every invoice Stripe produced is read, the clock is deleted (Stripe deletes its objects), and
the result is kept (a PlanRehearsal and the row's audit entry); the row's own records are never written.
"""
from __future__ import annotations

import calendar
import json
import uuid
from collections.abc import Callable

from app.billing.contract_years import contract_periods, period_lines
from app.billing.instalments import SCHEDULES, pays_in_instalments
from app.billing.rehearsal_report import Expectation, build_report
from app.billing.rehearsal_usage import (
    Stop,
    UsageFileError,
    clock_start,
    default_forecast,
    forecast_from_file,
    month_key,
    timeline,
)
from app.billing.stripe_requests import address_params, shipping_params
from app.gateways.stripe import StripeGatewayError
from app.gateways.stripe_rehearsal import RehearsalGateway
from app.models import AnnualPlan, CatalogItem, ContractYear, PlanRehearsal
from app.refusals import Invalid, Refusal, StripeFailed
from app.services.audit import Actor, record_audit
from app.services.plan_actions import run_action
from app.services.plan_values import get_plan
from app.services.plan_write_plans import expected_lines
from app.services.rehearsal_sandbox import close_sandbox, open_sandbox
from app.services.renewal_review import send_year_invoice
from app.services.renewals import draft_renewals
from app.services.stripe_webhooks import receive_stripe_event
from app.services.stripe_writes import stripe_write
from app.timeutil import pinned
from app.unit_of_work import checkpoint

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
PLAYER = Actor.system("rehearsal")  # the actor of everything the copy's services record
BUTTONS = ("create_subscription", "amortize", "schedule", "send_invoice")
READY_POLLS = 240  # half a second apart
CUSTOMER_FIELDS = ("name", "email", "phone", "description", "preferred_locales")


def rehearsal_refusal(plan: AnnualPlan, api_key: str) -> str | None:
    if api_key.startswith(LIVE_KEY_PREFIXES):
        return ("a rehearsal needs Stripe's test mode (test clocks): the configured key is a live key; "
                "use a test key (sk_test_...) or the emulator")
    if pays_in_instalments(plan):
        if not (plan.stripe_customer_id and plan.credits_schedule_id and plan.subscription_schedule_id):
            return (f"row {plan.id} has no Stripe objects to rehearse yet: it needs its Stripe customer, the credits "
                    "customer's instalment schedule and the usage schedule (Create Annual Subscription, Schedule)")
        return None
    if not (plan.stripe_customer_id and plan.invoice_id and plan.subscription_schedule_id):
        return (f"row {plan.id} has no Stripe objects to rehearse yet: it needs its Stripe customer, year one's "
                "invoice and its schedule (Create Annual Subscription, Amortize, Schedule)")
    return None


def usage_forecast(plan: AnnualPlan, catalog, usage: dict | None) -> dict[str, list[int]]:
    """Per metered product of the row (those its schedule bills), the usage of each contract month."""
    volumes = {ln.product_key: ln.volume or 0 for ln in plan.lines
               if ln.included and ln.overage not in (None, "none") and catalog.product(ln.product_key).metered}
    if usage is None:
        return default_forecast(volumes, plan.term_months)
    try:
        return forecast_from_file(usage, plan.start_date, plan.term_months, volumes)
    except UsageFileError as exc:
        raise Invalid(str(exc), field="usage") from exc


def rehearse_plan(session, gateway, meter_gateway, catalog, actor: Actor, plan_id: int, *, api_key: str,
                  lead_days: int, usage: dict | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> dict:
    """The term's invoices, credits run-out month and findings (the issue's JSON), or a refusal with
    nothing written anywhere."""
    plan = get_plan(session, plan_id)
    refusal = rehearsal_refusal(plan, api_key or "")
    if refusal:
        raise Invalid(refusal)
    forecast = usage_forecast(plan, catalog, usage)
    sandbox = open_sandbox(session, plan.id)
    try:
        report = Rehearsal(sandbox, gateway, meter_gateway, catalog, plan.id, progress).run(plan.stripe_customer_id,
                                                                                          forecast, lead_days)
    finally:
        close_sandbox(sandbox)
    session.add(PlanRehearsal(plan_id=plan.id, ran_by=actor.label, result=report))
    record_audit(session, actor, "annual_plan.rehearsed", "annual_plan", plan.id,
                 after={"credits_run_out": report["credits_run_out"], "findings": report["findings"]})
    return report


class Rehearsal:
    """One play of a row's term: the sandbox, the clock's gateways, and what the customer pays."""

    def __init__(self, sandbox, gateway, meter_gateway, catalog, plan_id: int, progress=None):
        self.sandbox, self.base, self.base_meter, self.catalog = sandbox, gateway, meter_gateway, catalog
        self.plan_id, self.progress = plan_id, progress or (lambda done, total, line: None)
        self.notes: list[str] = []
        self.paid: set[str] = set()
        self.undrafted: set[int] = set()
        self.clock_id = ""
        self.gateway = self.meter_gateway = None  # the clock's, once it exists (_open_clock)

    @property
    def plan(self) -> AnnualPlan:
        return self.sandbox.get(AnnualPlan, self.plan_id)

    def run(self, real_customer_id: str, forecast: dict[str, list[int]], lead_days: int) -> dict:
        plan = self.plan
        periods = contract_periods(plan.start_date, plan.term_months)
        stops = timeline(plan.start_date, plan.term_months, periods[1:], lead_days)
        start = clock_start(plan.start_date)
        with pinned(start) as pin:
            try:
                self._open_clock(start, real_customer_id)
                self._press_buttons()
                for done, stop in enumerate(stops, 1):
                    self._play(stop, pin, forecast, lead_days)
                    self.progress(done, len(stops), f"clock at {stop.at:%Y-%m-%d %H:%M}")
                invoices = self._invoices()
            except StripeGatewayError as exc:
                raise StripeFailed(f"the rehearsal stopped, Stripe refused or failed: {exc}; its test clock is "
                                   "deleted, run it again", http_status=exc.http_status) from exc
            finally:
                if self.clock_id:
                    self.base.delete_test_clock(self.clock_id)
        months = sorted({month_key(start.date())} | {month_key(s.at.date()) for s in stops})
        return build_report(self._expectation(periods, months), invoices, self._products())

    def _open_clock(self, start, real_customer_id: str) -> None:
        name = f"Rehearsal of annual plan row {self.plan_id}"
        clock = self.base.create_test_clock(calendar.timegm(start.timetuple()), name, f"rehearsal-{uuid.uuid4().hex}")
        self.clock_id = clock["id"]
        self.gateway = RehearsalGateway(self.base, self.clock_id)
        self.meter_gateway = RehearsalGateway(self.base_meter, self.clock_id)
        params = self._customer_copy(real_customer_id)
        customer = self._write("customer", lambda key: self.gateway.create_customer_raw(params, key))
        self.plan.stripe_customer_id = customer
        checkpoint(self.sandbox, "rehearsal_step")

    def _customer_copy(self, customer_id: str) -> dict:
        """The same details (the review step checks them), on the clock."""
        source = self.base.retrieve_customer_raw(customer_id)
        params = {k: source[k] for k in CUSTOMER_FIELDS if source.get(k)}
        params |= address_params(source["address"]) if source.get("address") else {}
        params |= shipping_params(source["shipping"]) if source.get("shipping") else {}
        tax_ids = self.base.customer_tax_ids(customer_id)
        if tax_ids:
            params["tax_id_data"] = [{"type": t["type"], "value": t["value"]} for t in tax_ids]
        params["metadata"] = {**(source.get("metadata") or {}), "rehearsal_of": customer_id}
        return params

    def _write(self, step: str, call: Callable[[str], dict]) -> str:
        """A rehearsal's own Stripe write, recorded in the sandbox like every other."""
        key = f"{step}-{self.clock_id}"
        return stripe_write(self.sandbox, self.gateway, key=key, subject=("rehearsal", self.clock_id), action=step,
                            summary={}, call=lambda: call(key)).object_id

    def _press_buttons(self) -> None:
        """Year one as the buttons make it; a review check that fails is a finding, and the invoice goes
        out anyway so the term can be played."""
        instalments = pays_in_instalments(self.plan)
        for action in BUTTONS:
            if action == "amortize" and instalments:
                continue  # no up-front invoice: the credits schedule charges the instalments itself
            try:
                run_action(self.sandbox, self.gateway, self.catalog, PLAYER, self.plan_id, action)
            except Invalid as exc:
                if action != "send_invoice":
                    raise
                what = "the first instalment would not be approved" if instalments else \
                    "year 1's invoice would not be sent"
                self.notes.append(f"{what} as it stands: {exc}")
                plan = self.plan
                if not instalments:
                    self._finalize(plan.invoice_id, "year1")
                    plan.invoice_status = "open"
                plan.stage = "sent"
            checkpoint(self.sandbox, "rehearsal_step")
        self._pay_sent()

    def _finalize(self, invoice_id: str, step: str) -> None:
        self._write(f"{step}-finalize", lambda key: self.gateway.finalize_invoice(invoice_id, key))

    def _play(self, stop: Stop, pin, forecast: dict[str, list[int]], lead_days: int) -> None:
        self.gateway.advance_test_clock(self.clock_id, calendar.timegm(stop.at.timetuple()))
        self._until_ready()
        pin.moment = stop.at
        if self.plan.term_months > 12 and not pays_in_instalments(self.plan):  # instalments span the term
            self._renewals(stop, lead_days)
        self._pay_sent()
        if stop.month is not None:
            self._send_usage(stop, forecast)

    def _until_ready(self) -> None:
        """Stripe advances a clock in the background: its invoices and events are in place once it is `ready`."""
        for _ in range(READY_POLLS):
            clock = self.gateway.retrieve_test_clock(self.clock_id)
            if clock["status"] == "ready":
                return
            if clock["status"] == "internal_failure":
                raise StripeFailed(f"Stripe could not advance the test clock {self.clock_id}; run the rehearsal again")
            self.gateway.sleep(0.5)
        raise StripeFailed(f"the test clock {self.clock_id} was still advancing after {READY_POLLS // 2} s")

    def _renewals(self, stop: Stop, lead_days: int) -> None:
        """What the daily renewals job does on this day, then the review and send a person would do."""
        try:
            outcomes = draft_renewals(self.sandbox, self.gateway, self.catalog, PLAYER, stop.at.date(), lead_days,
                                      plan_id=self.plan_id)
        except Refusal as exc:
            self.notes.append(f"{stop.at.date().isoformat()}: renewals refused: {exc}")
            return
        for outcome in outcomes:
            if outcome.result == "failed" and outcome.year not in self.undrafted:  # said once; it is retried daily
                self.undrafted.add(outcome.year)
                self.notes.append(f"{stop.at.date().isoformat()}: year {outcome.year} could not be drafted: "
                                  f"{outcome.detail}")
            elif outcome.result == "drafted":
                self._send_year(outcome.year)
        checkpoint(self.sandbox, "rehearsal_step")

    def _send_year(self, number: int) -> None:
        try:
            send_year_invoice(self.sandbox, self.gateway, PLAYER, self.plan_id, number)
        except Invalid as exc:
            self.notes.append(f"year {number}'s invoice would not be sent as it stands: {exc}")
            year = self.sandbox.query(ContractYear).filter_by(plan_id=self.plan_id, number=number).one()
            self._finalize(year.invoice_id, f"year{number}")
            year.status = "sent"

    def invoices_to_pay(self) -> list[str]:
        """The invoices the customer pays as soon as they are sent: each contract year's up-front invoice, or
        the credits customer's open instalment invoices (their `invoice.paid` grants the credit through the
        same webhook handler as the real one)."""
        plan = self.plan
        sent = [plan.invoice_id] if plan.invoice_status == "open" else []
        sent += [y.invoice_id for y in plan.contract_years if y.status == "sent" and y.invoice_id]
        if plan.credits_customer_id:
            sent += [i["id"] for i in self.gateway.customer_invoices(plan.credits_customer_id)
                     if i.get("status") == "open"]
        return [i for i in sent if i not in self.paid]

    def _pay_sent(self) -> None:
        for invoice_id in self.invoices_to_pay():
            self._write(f"pay-{invoice_id}", lambda key, i=invoice_id: self.gateway.pay_invoice_out_of_band(i, key))
            self.paid.add(invoice_id)
            self._deliver("invoice.paid", self.gateway.invoice(invoice_id))

    def _deliver(self, kind: str, obj: dict) -> None:
        """Stripe's event, handled by the product's webhook handler as the real one will be."""
        event = {"id": f"evt_rehearsal_{obj['id']}_{kind}", "type": kind, "data": {"object": obj}}
        result = receive_stripe_event(self.sandbox, self.gateway, event, json.dumps(event, default=str).encode())
        checkpoint(self.sandbox, "rehearsal_step")
        if result != "processed":
            self.notes.append(f"Stripe's {kind} for {obj['id']} was {result} by the product: no credit was granted")

    def _send_usage(self, stop: Stop, forecast: dict[str, list[int]]) -> None:
        at = calendar.timegm(stop.at.timetuple())
        for product_key, months in forecast.items():
            if months[stop.month]:
                identifier = f"rehearsal-{self.clock_id}-{product_key}-{stop.month}"
                self.meter_gateway.create_meter_event({
                    "event_name": self.catalog.product(product_key).meter_event, "timestamp": at,
                    "identifier": identifier,
                    "payload": {"stripe_customer_id": self.plan.stripe_customer_id, "value": str(months[stop.month])},
                }, identifier)

    def _invoices(self) -> list[tuple[dict, list[dict]]]:
        found = []
        for customer in self.gateway.clock_customers(self.clock_id):
            for invoice in self.gateway.customer_invoices(customer["id"]):
                embedded = invoice.get("lines") or {}
                lines = embedded.get("data") if not embedded.get("has_more") else self.gateway.invoice_lines(invoice["id"])
                found.append((invoice, lines or []))
        return sorted(found, key=lambda pair: (pair[0]["created"], pair[0]["id"]))

    def _expectation(self, periods, months: list[str]) -> Expectation:
        plan = self.plan
        stated = {y.number: y.amount_cents for y in plan.contract_years}
        years = [(p, None if (lines := period_lines(expected_lines(plan), p, stated.get(p.number))) is None
                  else sum(lines.values())) for p in periods]
        currency = (getattr(plan, "currency", None) or self.catalog.currency).lower()
        instalments = SCHEDULES[plan.payment_schedule].instalments if pays_in_instalments(plan) else 1
        return Expectation(plan.id, currency, plan.stripe_customer_id, years, months, self.notes,
                           credits_customer=plan.credits_customer_id, instalments_per_year=instalments)

    def _products(self) -> dict[str, str]:
        return {item.stripe_id: item.key for item in self.sandbox.query(CatalogItem).filter_by(kind="product")}
