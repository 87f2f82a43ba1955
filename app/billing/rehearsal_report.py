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
    credits_customer: str | None = None  # paid in instalments: the pair's credits half, whose invoices they are
    instalments_per_year: int = 1


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


def year_invoices(expect: Expectation, invoices, period: Period) -> list[dict]:
    """The invoices that charge a contract year: its up-front invoice, or the credits customer's instalments
    issued in it."""
    if expect.credits_customer:
        return [inv for inv, _ in invoices if inv["customer"] == expect.credits_customer and inv["total"]
                and period.starts_on <= day_of(inv["created"]) < period.ends_on]
    return [inv for inv, _ in invoices if contract_year_of(inv) == period.number]


def _year_findings(expect: Expectation, invoices) -> list[str]:
    found = []
    for period, amount in expect.years:
        made = year_invoices(expect, invoices, period)
        if not made:
            found.append(f"year {period.number} ({period.starts_on.isoformat()} to {period.ends_on.isoformat()}) "
                         "is never invoiced")
        elif expect.credits_customer:
            total = sum(inv["total"] for inv in made)
            if len(made) != expect.instalments_per_year:
                found.append(f"year {period.number} is charged in {len(made)} instalments; the contract's schedule "
                             f"has {expect.instalments_per_year}")
            if amount is not None and total != amount:
                found.append(f"year {period.number}'s instalments total {money(total, expect.currency)}; the "
                             f"contract's year {period.number} is {money(amount, expect.currency)}")
        elif len(made) > 1:
            found.append(f"year {period.number} is invoiced {len(made)} times: {', '.join(i['id'] for i in made)}")
        elif amount is not None and made[0]["total"] != amount:
            found.append(f"year {period.number}'s invoice {made[0]['id']} totals "
                         f"{money(made[0]['total'], expect.currency)}; the contract's year {period.number} is "
                         f"{money(amount, expect.currency)}")
    return found


def _currency_findings(expect: Expectation, invoices) -> list[str]:
    wrong: dict[tuple[str, str], list[dict]] = {}
    for invoice, _ in invoices:
        if invoice["currency"] != expect.currency and invoice["total"]:
            year = contract_year_of(invoice)
            what = (f"year {year}'s up-front fee" if year else
                    "the instalments" if invoice["customer"] == expect.credits_customer else "overage")
            wrong.setdefault((what, invoice["currency"]), []).append(invoice)
    return [f"{what} billed in {currency.upper()} on a {expect.currency.upper()} contract ({len(made)} invoice"
            f"{'s' if len(made) > 1 else ''} from {day_of(made[0]['created']).isoformat()[:7]})"
            for (what, currency), made in wrong.items()]


def _credit_findings(expect: Expectation, invoices, usage, run_out: str | None) -> list[str]:
    found = []
    if run_out:
        due: dict[str, int] = {}
        for inv, _ in usage:
            if day_of(inv["created"]).isoformat()[:7] >= run_out:
                due[inv["currency"]] = due.get(inv["currency"], 0) + inv["amount_due"]
        owed = " + ".join(money(cents, currency) for currency, cents in sorted(due.items())) or money(0, expect.currency)
        found.append(f"prepaid credits run out in {run_out}: usage from then on is billed, {owed} due over the rest "
                     "of the term")
    for period, _ in expect.years:
        granted = sum(inv["amount_paid"] for inv in year_invoices(expect, invoices, period)
                      if inv.get("status") == "paid")
        used = sum(c["amount"] for inv, lines in usage for ln in lines if _in_period(ln, period)
                   for c in ln.get("pretax_credit_amounts") or [])
        if granted > used:
            found.append(f"credits expire before they are used: year {period.number}'s "
                         f"{money(granted, expect.currency)} of prepaid credit ends on {period.ends_on.isoformat()} "
                         f"with {money(granted - used, expect.currency)} unused")
    return found


def _in_period(line: dict, period: Period) -> bool:
    start = (line.get("period") or {}).get("start")
    return start is not None and period.starts_on <= day_of(start) < period.ends_on


def report_lines(report: dict) -> list[str]:
    """The result for a terminal: each invoice of each month with its lines, then the credits and findings."""
    out = []
    for month in report["months"]:
        for inv in month["invoices"]:
            cur = inv["currency"]
            out.append(f"{month['month']}  {inv['id']}  {cur.upper()} total {money(inv['total_cents'], cur)}, "
                       f"credits {money(inv['credits_applied_cents'], cur)}, due {money(inv['amount_due_cents'], cur)}")
            out += [f"    {ln['product_key'] or '-'}: {ln['description']} {money(ln['amount_cents'], inv['currency'])}"
                    for ln in inv["lines"]]
    out.append(f"credits run out: {report['credits_run_out'] or 'not in the term'}")
    return out + ([f"finding: {f}" for f in report["findings"]] or ["no findings"])
