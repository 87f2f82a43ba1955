"""The grid's display cells as HTML, built in Python.

The grid draws about forty cells per row and a thousand rows; a Jinja macro costs ~25 µs a
call, this ~4 µs. Editors (one at a time) stay in the `_cells.html` macro.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from app.billing.plan_fields import edit_text, field_label, format_cell

OVERAGE_KINDS = ("standard", "custom", "none", "free")


def _warning_badges(warnings) -> str:
    return "".join(
        f'<span class="badge warn" title="{escape(w.message)}'
        f'{" — contract says: " + escape(w.raw) if w.raw else ""}">⚠ <q class="raw">{escape(w.raw or "empty")}</q></span>'
        for w in warnings)


def display_cell(plan, name: str, r: dict, error: str | None = None) -> Markup:
    """One cell in display mode: text that grid.js opens an editor on, or an inline checkbox/select
    (with its error). Cells take focus from grid.js (roving tabindex), so each starts at -1."""
    value = r["values"].get(name)
    warnings = r["warnings"].get(name, ())
    column = name.rsplit(".", 1)[-1]
    url = f'{r["base"]}/cells/{name}'
    editable = r["editable"]
    error = error or r["errors"].get(name)
    classes = f"cell col-{column}"
    if warnings:
        classes += " has-warning"
    if name.startswith("line.") and column != "included" and not r["values"].get(name.rsplit(".", 1)[0] + ".included"):
        classes += " off"
    head = (f'<td id="cell-{plan.id}-{name.replace(".", "-")}" data-field="{name}" data-col="{name}" class="{classes}"'
            ' tabindex="-1"')
    inline = f' hx-post="{url}" hx-vals=\'{{"version": {plan.version}}}\' hx-target="#plan-{plan.id}" hx-swap="outerHTML"'
    disabled = "" if editable else " disabled"
    label = escape(field_label(name))
    if column == "included":
        body = (f'<input type="checkbox" name="value" aria-label="{label}" tabindex="-1"{" checked" if value else ""}'
                f'{disabled}{inline}>')
    elif column == "overage":
        options = "" if value is not None else '<option value="" selected>—</option>'
        options += "".join(f'<option value="{k}"{" selected" if value == k else ""}>{k}</option>' for k in OVERAGE_KINDS)
        body = f'<select name="value" aria-label="{label}" tabindex="-1"{disabled}{inline}>{options}</select>'
    else:
        if editable:
            head += f' data-edit-url="{url}/edit"'
        shown = format_cell(name, value, plan.currency)
        raw = edit_text(name, value)
        if raw != shown:  # what copying the cell puts on the clipboard: text the cell's parser reads back
            head += f' data-raw="{escape(raw)}"'
        body = f'<span class="value">{escape(shown)}</span>'
    alert = f'<div class="cell-error" role="alert">{escape(error)}</div>' if error else ""
    return Markup(f"{head}>{body}{alert}{_warning_badges(warnings)}</td>")


def display_cells(plan, names, r: dict) -> Markup:
    return Markup("".join(display_cell(plan, name, r) for name in names))
