"""Bulk line edits on draft invoices: `add_lines`, `remove_lines`, `update_lines`, and a
single line's update. Each line is backed by an invoice item, as on Stripe."""

from stripe.params import (
    InvoiceAddLinesParams,
    InvoiceLineItemUpdateParams,
    InvoiceRemoveLinesParams,
    InvoiceUpdateLinesParams,
)

from .. import errors, helpers
from ..routing import route
from . import invoice_items, invoicing


def _draft(ctx, what):
    invoice = invoicing.get_invoice(ctx.state, ctx.path["invoice"], "invoice")
    invoicing.require_draft(invoice, what)
    return invoice, helpers.snapshot(ctx.state, invoice)


def _finish(ctx, invoice, before):
    if "invoice_metadata" in ctx.params:
        invoice["metadata"] = helpers.merge_metadata(invoice["metadata"],
                                                     ctx.params["invoice_metadata"],
                                                     "invoice_metadata")
    invoicing.recompute(ctx.state, invoice)
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, invoice))
    if changed:
        ctx.emit_event("invoice.updated", invoice, changed)
    return invoice


@route("POST", "/v1/invoices/{invoice}/add_lines", params=InvoiceAddLinesParams)
def add_lines(ctx):
    invoice, before = _draft(ctx, "add lines to")
    for i, line in enumerate(ctx.params["lines"]):
        where = f"lines[{i}]"
        if "invoice_item" in line:
            _attach(ctx, invoice, line, where)
        else:
            fields = {k: v for k, v in line.items() if k != "tax_amounts"}
            invoice_items.build_item(ctx, fields, invoice["customer"], invoice, where)
    return _finish(ctx, invoice, before)


def _attach(ctx, invoice, line, where):
    item = ctx.state.get(invoice_items.KIND, line["invoice_item"],
                         param=f"{where}[invoice_item]", label="invoice item")
    if item["invoice"] is not None or item["customer"] != invoice["customer"]:
        raise errors.invalid("Only pending invoice items of this customer can be added.",
                             param=f"{where}[invoice_item]")
    if item["currency"] != invoice["currency"]:
        raise errors.invalid("The invoice item's currency does not match the invoice's.",
                             param=f"{where}[invoice_item]")
    item["invoice"] = invoice["id"]
    extra = {k: v for k, v in line.items() if k not in ("invoice_item", "tax_amounts")}
    if extra:
        invoice_items.update_item(ctx, item, extra, where)
    else:
        invoicing.sync_item(ctx.state, item)


def _item_for_line(ctx, invoice, line_id, param):
    line = next((x for x in invoice["_all_lines"] if x["id"] == line_id), None)
    if line is None:
        raise errors.no_such("invoice line item", line_id, param)
    details = (line["parent"] or {}).get("invoice_item_details")
    if not details:
        raise errors.invalid("Only lines that come from invoice items can be changed here; "
                             "subscription lines change with the subscription.", param=param)
    return ctx.state.get(invoice_items.KIND, details["invoice_item"], param=param,
                         label="invoice item")


@route("POST", "/v1/invoices/{invoice}/remove_lines", params=InvoiceRemoveLinesParams)
def remove_lines(ctx):
    invoice, before = _draft(ctx, "remove lines from")
    for i, line in enumerate(ctx.params["lines"]):
        item = _item_for_line(ctx, invoice, line["id"], f"lines[{i}][id]")
        if line["behavior"] == "delete":
            invoice_items.delete_item(ctx, item)
        else:
            invoicing.detach_item(ctx.state, item)
            item["invoice"] = None
            ctx.emit_event("invoiceitem.updated", item, {"invoice": invoice["id"]})
    return _finish(ctx, invoice, before)


@route("POST", "/v1/invoices/{invoice}/update_lines", params=InvoiceUpdateLinesParams)
def update_lines(ctx):
    invoice, before = _draft(ctx, "update lines on")
    for i, line in enumerate(ctx.params["lines"]):
        item = _item_for_line(ctx, invoice, line["id"], f"lines[{i}][id]")
        fields = {k: v for k, v in line.items() if k not in ("id", "tax_amounts", "tax_rates")}
        invoice_items.update_item(ctx, item, fields, f"lines[{i}]")
    return _finish(ctx, invoice, before)


@route("POST", "/v1/invoices/{invoice}/lines/{line_item_id}", params=InvoiceLineItemUpdateParams)
def update_line(ctx):
    invoice, _ = _draft(ctx, "update lines on")
    item = _item_for_line(ctx, invoice, ctx.path["line_item_id"], "line_item_id")
    fields = {k: v for k, v in ctx.params.items() if k not in ("tax_amounts", "tax_rates")}
    invoice_items.update_item(ctx, item, fields)
    return invoicing.line_of_item(invoice, item["id"])
