"""The grid's spreadsheet endpoints: paste, undo, sort and column layout, bulk Load and export."""
import csv
import io
import json

import pytest
from flask import g

from app.models import AnnualPlan, AuditEntry, GridPreference
from tests.annual_plans.helpers import loaded_sample
from tests.conftest import TEST_PASSWORD, CsrfClient

HX = {"HX-Request": "true"}


@pytest.fixture
def acme(client, db):
    return loaded_sample(client, db, "acme")


@pytest.fixture
def globex(client, db):
    return loaded_sample(client, db, "globex")


def _paste(client, cells):
    return client.post("/annual-plans/paste", data={"cells": json.dumps(cells)}, headers=HX)


def _edits(db, plan, action="annual_plan.field_updated"):
    return db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.object_id == str(plan.id), AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_paste_saves_each_cell_alone_with_its_own_audit_entry(client, db, login_as, acme, globex):
    login_as("cs")
    before = len(_edits(db, acme))
    response = _paste(client, [
        {"plan": acme.id, "field": "term_months", "value": "24", "version": acme.version},
        {"plan": acme.id, "field": "payment_terms_days", "value": "soon", "version": acme.version},
        {"plan": acme.id, "field": "credit_discount_percent", "value": "5%", "version": acme.version},
        {"plan": globex.id, "field": "line.product_analytics.volume", "value": "75 million", "version": globex.version},
    ])
    assert response.status_code == 422  # one refused; the others saved
    html = response.get_data(as_text=True)
    assert html.count('hx-swap-oob="true"') == 3  # the two rows and the status line
    refused = html.split(f'id="cell-{acme.id}-payment_terms_days"')[1].split("</td>")[0]
    assert 'role="alert"' in refused and "“soon”" in refused
    assert "Pasted 3 cells; 1 refused" in html
    db.session.expire_all()
    acme_now, globex_now = db.session.get(AnnualPlan, acme.id), db.session.get(AnnualPlan, globex.id)
    assert (acme_now.term_months, acme_now.payment_terms_days, str(acme_now.credit_discount_percent)) == (24, 30, "5")
    assert globex_now.line("product_analytics").volume == 75_000_000
    assert [e.after for e in _edits(db, acme)[before:]] == [{"term_months": 24}, {"credit_discount_percent": "5"}]


def test_a_pasted_cell_on_a_row_changed_since_is_refused_alone(client, db, login_as, acme, globex):
    login_as("cs")
    stale = acme.version
    assert client.post(f"/annual-plans/{acme.id}/cells/term_months", data={"value": "18", "version": stale},
                       headers=HX).status_code == 200
    response = _paste(client, [
        {"plan": acme.id, "field": "term_months", "value": "36", "version": stale},
        {"plan": globex.id, "field": "term_months", "value": "36", "version": globex.version},
    ])
    assert response.status_code == 422 and "changed by someone else" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualPlan, acme.id).term_months == 18
    assert db.session.get(AnnualPlan, globex.id).term_months == 36


@pytest.mark.parametrize("body, message", [
    ({"cells": "not json"}, "cells: not JSON"),
    ({"cells": "{}"}, "expected a JSON list"),
    ({"cells": "[]"}, "nothing to paste"),
    ({"cells": '[{"plan": "1", "field": "term_months", "value": "2"}]'}, "cells[0].plan"),
    ({"cells": '[{"plan": 1, "field": "term_months", "value": 2}]'}, "cells[0].value"),
    ({"cells": '[{"plan": 1, "field": "", "value": "2"}]'}, "cells[0].field"),
    ({"cells": '[{"plan": 1, "field": "term_months", "value": "2", "version": "x"}]'}, "cells[0].version"),
    ({}, "cells: not JSON"),
])
def test_a_paste_it_cannot_read_is_422_and_writes_nothing(client, db, login_as, acme, nothing_written, body, message):
    login_as("cs")
    with nothing_written():
        response = client.post("/annual-plans/paste", data=body, headers=HX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_paste_needs_the_edit_permission(client, db, login_as, acme, nothing_written):
    login_as("viewer")
    with nothing_written():
        response = _paste(client, [{"plan": acme.id, "field": "term_months", "value": "24", "version": acme.version}])
    assert response.status_code == 403


def test_undo_puts_back_the_last_edit_as_a_new_audited_change_and_walks_back(client, db, login_as, acme):
    login_as("cs")
    start = (acme.term_months, acme.payment_terms_days)
    save = lambda field, value: client.post(  # noqa: E731
        f"/annual-plans/{acme.id}/cells/{field}", data={"value": value}, headers=HX)
    assert save("term_months", "18").status_code == 200
    assert save("payment_terms_days", "45").status_code == 200
    first = client.post("/annual-plans/undo", headers=HX)
    assert first.status_code == 200
    assert "Undone: your last edit of Payment terms (days) on Acme Corp." in first.get_data(as_text=True)  # the field in words
    second = client.post("/annual-plans/undo", headers=HX)
    assert second.status_code == 200
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, acme.id)
    assert (plan.term_months, plan.payment_terms_days) == start
    undone = _edits(db, acme, "annual_plan.edit_undone")
    assert [(e.before, e.after) for e in undone] == [({"payment_terms_days": 45}, {"payment_terms_days": start[1]}),
                                                     ({"term_months": 18}, {"term_months": start[0]})]
    assert "undoes audit entry #" in undone[0].note


def _switch_browser():
    """The tests share one app context: Flask-Login's loaded user and the CSRF token would leak
    from one browser's request to the other's."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def _signed_in_client(app, make_user, role):
    """A second browser: another person signed in beside the test's client."""
    _switch_browser()
    other = CsrfClient(app, app.test_client())
    user = make_user(role)
    assert other.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return other


def test_undo_is_refused_in_words_when_the_cell_changed_since(app, client, db, login_as, make_user, acme,
                                                             nothing_written):
    login_as("cs")
    assert client.post(f"/annual-plans/{acme.id}/cells/term_months", data={"value": "18"}, headers=HX).status_code == 200
    someone_else = _signed_in_client(app, make_user, "finance")
    assert someone_else.post(f"/annual-plans/{acme.id}/cells/term_months", data={"value": "36"},
                             headers=HX).status_code == 200
    _switch_browser()
    with nothing_written():
        response = client.post("/annual-plans/undo", headers=HX)
    assert response.status_code == 409
    assert "changed since your edit" in response.get_data(as_text=True) and "36" in response.get_data(as_text=True)


def test_nothing_to_undo(client, db, login_as, acme, nothing_written):
    login_as("cs")
    with nothing_written():
        response = client.post("/annual-plans/undo", headers=HX)
    assert response.status_code == 422 and "nothing to undo" in response.get_data(as_text=True)


def test_sort_and_layout_are_remembered_per_person(app, client, db, login_as, make_user, acme, globex):
    user = login_as("viewer")
    table = client.post("/annual-plans/sort", data={"sort": "company", "descending": "false"}, headers=HX)
    assert table.status_code == 200
    html = table.get_data(as_text=True)
    assert html.index(f'id="plan-{acme.id}"') < html.index(f'id="plan-{globex.id}"')
    assert 'data-col="company" title="Company"\n          aria-sort="ascending"' in html
    assert client.post("/annual-plans/layout", data={"hidden": json.dumps(["due", "warnings"]),
                                                      "widths": json.dumps({"company": 220})}).status_code == 204
    page = client.get("/annual-plans").get_data(as_text=True)
    assert 'data-col="due"' not in page and 'data-col="warnings"' not in page
    assert page.index(f'id="plan-{acme.id}"') < page.index(f'id="plan-{globex.id}"')
    assert "&#34;company&#34;: 220" in page
    row = client.get(f"/annual-plans/{acme.id}/row").get_data(as_text=True)
    assert 'data-col="due"' not in row and 'data-col="start_date"' in row
    saved = db.session.get(GridPreference, (user.id, "annual_plans"))
    assert (saved.hidden_columns, saved.column_widths, saved.sort_column) == (["warnings", "due"], {"company": 220},
                                                                             "company")
    other = _signed_in_client(app, make_user, "viewer").get("/annual-plans").get_data(as_text=True)
    # someone else sees every column, newest first
    assert 'data-col="due"' in other and other.index(f'id="plan-{globex.id}"') < other.index(f'id="plan-{acme.id}"')


@pytest.mark.parametrize("url, body, field", [
    ("/annual-plans/layout", {"hidden": json.dumps(["company"])}, "hidden"),
    ("/annual-plans/layout", {"hidden": json.dumps(["nope"])}, "hidden"),
    ("/annual-plans/layout", {"hidden": "nope"}, "hidden"),
    ("/annual-plans/layout", {"widths": json.dumps({"company": 5})}, "widths"),
    ("/annual-plans/layout", {"widths": json.dumps({"company": "wide"})}, "widths"),
    ("/annual-plans/layout", {"widths": json.dumps(["company"])}, "widths"),
    ("/annual-plans/sort", {"sort": "line.session_replay.volume", "descending": "false"}, "sort"),
    ("/annual-plans/sort", {"sort": "company", "descending": "maybe"}, "descending"),
])
def test_a_layout_it_cannot_use_is_422_naming_the_field_and_writes_nothing(client, db, login_as, nothing_written,
                                                                          url, body, field):
    login_as("viewer")
    with nothing_written():
        response = client.post(url, data=body, headers=HX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert (response.get_json()["field"] == field) if url.endswith("layout") else (field in text)


def test_bulk_load_each_row_alone(client, db, login_as, acme, globex):
    login_as("cs")
    globex.stage = "live"  # its Stripe objects exist: not re-loaded
    db.session.commit()
    before = len(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "annual_plan.loaded")).all())
    response = client.post("/annual-plans/bulk/load", data={"id": [str(acme.id), str(globex.id)]}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Loaded 1 of 2 selected rows" in html and "1 not loaded" in html
    globex_row = html.split(f'<tr id="plan-{globex.id}"')[1].split("</tr>")[0]
    assert "is live: its Stripe objects exist, so it is not re-loaded" in globex_row
    loads = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "annual_plan.loaded")).all()
    assert [e.object_id for e in loads[before:]] == [str(acme.id)]


@pytest.mark.parametrize("ids, message", [([], "select at least one row"), (["x"], "is not a row number")])
def test_bulk_load_with_bad_ids_is_422_and_writes_nothing(client, db, login_as, acme, nothing_written, ids, message):
    login_as("cs")
    with nothing_written():
        response = client.post("/annual-plans/bulk/load", data={"id": ids}, headers=HX)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_export_the_selection_as_formula_safe_csv(client, db, login_as, acme, globex):
    login_as("viewer")
    acme.company = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    response = client.get(f"/annual-plans.csv?id={acme.id}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and len(rows) == 2
    assert rows[1][0] == str(acme.id) and rows[1][3].startswith("'=")
    assert client.get("/annual-plans.csv?id=abc").status_code == 422
