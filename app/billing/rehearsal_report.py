"""What a rehearsal shows: every invoice Stripe produced on the clock, month by month, the month the
prepaid credits run out, and where the term differs from the contract. Pure: it reads the invoices
as Stripe returned them (lines included) and the contract's expectations.

An up-front invoice is one the product made for a contract year (`annual_plan_id` in its metadata;
`contract_year` for later years, none for year one); a usage invoice is one a subscription made for the
usage customer. Usage is attributed to a contract year by its lines' service period.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from app.billing.contract_years import Period
from app.formatting import money


@dataclass(frozen=True)
class Expectation:
    """What the contract says, for the findings."""
    row_id: int
    currency: str
    usage_customer: str
    years: list[tuple[Period, int | None]]  # each contract period and its amount (None: the contract states none)
    months: list[str]  # YYYY-MM from the clock's start to its end
    notes: list[str] = field(default_factory=list)  # what the product refused or failed while it played


def day_of(timestamp: int) -> date:
    return datetime.fromtimestamp(int(timestamp), UTC).date()


def invoice_entry(invoice: dict, lines: list[dict], product_of: dict[str, str]) -> dict:
    return {"id": invoice["id"], "total_cents": invoice["total"], "currency": invoice["currency"],
            "amount_due_cents": invoice["amount_due"],
            "credits_applied_cents": sum(c["amount"] for c in invoice.get("total_pretax_credit_amounts") or []),
            "lines": [{"description": ln.get("description") or "", "amount_cents": ln["amount"],
                       "product_key": _product_key(ln, product_of)} for ln in lines]}


def _product_key(line: dict, product_of: dict[str, str]) -> str | None:
    key = (line.get("metadata") or {}).get("product_key")
    if key:
        return key
    details = (line.get("pricing") or {}).get("price_details") or {}
    return product_of.get(details.get("product") or "")


def contract_year_of(invoice: dict) -> int | None:
    meta = invoice.get("metadata") or {}
    if not meta.get("annual_plan_id"):
        return None
    return int(meta.get("contract_year") or 1)


def is_usage(invoice: dict, usage_customer: str) -> bool:
    parent = invoice.get("parent") or {}
    return invoice["customer"] == usage_customer and bool((parent.get("subscription_details") or {}).get("subscription"))


def build_report(expect: Expectation, invoices: list[tuple[dict, list[dict]]], product_of: dict[str, str]) -> dict:
    """`invoices`: (invoice, its lines) oldest first. The issue's JSON: row_id, months, credits_run_out, findings."""
    by_month = {m: [] for m in expect.months}
    for invoice, lines in invoices:
        by_month.setdefault(day_of(invoice["created"]).isoformat()[:7], []).append(invoice_entry(invoice, lines,
                                                                                                   product_of))
    usage = [(inv, lines) for inv, lines in invoices if is_usage(inv, expect.usage_customer)]
    run_out = next((day_of(inv["created"]).isoformat()[:7] for inv, _ in usage if inv["amount_due"] > 0), None)
    findings = (list(expect.notes) + _year_findings(expect, invoices) + _currency_findings(expect, invoices)
                + _credit_findings(expect, invoices, usage, run_out))
    return {"row_id": expect.row_id, "months": [{"month": m, "invoices": by_month[m]} for m in sorted(by_month)],
            "credits_run_out": run_out, "findings": findings}


def _year_findings(expect: Expectation, invoices) -> list[str]:
    found = []
    for period, amount in expect.years:
        made = [inv for inv, _ in invoices if contract_year_of(inv) == period.number]
        if not made:
            found.append(f"year {period.number} ({period.starts_on.isoformat()} to {period.ends_on.isoformat()}) "
                         "is never invoiced")
        elif len(made) > 1:
            found.append(f"year {period.number} is invoiced {len(made)} times: {', '.join(i['id'] for i in made)}")
        elif amount is not None and made[0]["total"] != amount:
            found.append(f"year {period.number}'s invoice {made[0]['id']} totals {money(made[0]['total'])}; "
                         f"the contract's year {period.number} is {money(amount)}")
    return found


def _currency_findings(expect: Expectation, invoices) -> list[str]:
    wrong: dict[tuple[str, str], list[dict]] = {}
    for invoice, _ in invoices:
        if invoice["currency"] != expect.currency and invoice["total"]:
            year = contract_year_of(invoice)
            what = f"year {year}'s up-front fee" if year else "overage"
            wrong.setdefault((what, invoice["currency"]), []).append(invoice)
    return [f"{what} billed in {currency.upper()} on a {expect.currency.upper()} contract ({len(made)} invoice"
            f"{'s' if len(made) > 1 else ''} from {day_of(made[0]['created']).isoformat()[:7]})"
            for (what, currency), made in wrong.items()]


def _credit_findings(expect: Expectation, invoices, usage, run_out: str | None) -> list[str]:
    found = []
    if run_out:
        due = sum(inv["amount_due"] for inv, _ in usage if day_of(inv["created"]).isoformat()[:7] >= run_out)
        found.append(f"prepaid credits run out in {run_out}: usage from then on is billed, {money(due)} due "
                     "over the rest of the term")
    for period, _ in expect.years:
        granted = sum(inv["amount_paid"] for inv, _ in invoices if contract_year_of(inv) == period.number
                      and inv.get("status") == "paid")
        used = sum(c["amount"] for inv, lines in usage for ln in lines if _in_period(ln, period)
                   for c in ln.get("pretax_credit_amounts") or [])
        if granted > used:
            found.append(f"credits expire before they are used: year {period.number}'s {money(granted)} of prepaid "
                         f"credit ends on {period.ends_on.isoformat()} with {money(granted - used)} unused")
    return found


def _in_period(line: dict, period: Period) -> bool:
    start = (line.get("period") or {}).get("start")
    return start is not None and period.starts_on <= day_of(start) < period.ends_on


def report_lines(report: dict) -> list[str]:
    """The result for a terminal: each invoice of each month with its lines, then the credits and findings."""
    out = []
    for month in report["months"]:
        for inv in month["invoices"]:
            out.append(f"{month['month']}  {inv['id']}  {inv['currency'].upper()} total {money(inv['total_cents'])}, "
                       f"credits {money(inv['credits_applied_cents'])}, due {money(inv['amount_due_cents'])}")
            out += [f"    {ln['product_key'] or '-'}: {ln['description']} {money(ln['amount_cents'])}"
                    for ln in inv["lines"]]
    out.append(f"credits run out: {report['credits_run_out'] or 'not in the term'}")
    return out + ([f"finding: {f}" for f in report["findings"]] or ["no findings"])
