"""The catalog report's fixes for a flagged price: archive it, or add the valid_days it lacks; each confirmed,
audited, idempotent, refused in words when already done, and refreshing the report."""
import pytest

from app.models import AuditEntry, StripeOperation
from tests.catalog.test_report import broken_price  # noqa: F401 - the fixture


def _fix(client, price_id, what, **data):
    return client.post(f"/catalog/prices/{price_id}/{what}", data=data, headers={"HX-Request": "true"})


def _audit(db, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_report_offers_both_fixes_with_a_confirmation(client, login_as, broken_price):  # noqa: F811
    login_as("cs")
    html = client.get("/catalog").get_data(as_text=True)
    assert f'hx-post="/catalog/prices/{broken_price}/valid-days"' in html
    assert f'hx-post="/catalog/prices/{broken_price}/archive"' in html
    assert f'hx-confirm="Archive price {broken_price} in Stripe?' in html
    assert 'hx-trigger="catalog-changed from:body"' in html


def test_a_viewer_is_offered_no_fix(client, login_as, broken_price):  # noqa: F811
    login_as("viewer")
    assert "/archive" not in client.get("/catalog").get_data(as_text=True)


def test_adding_valid_days_fixes_the_price_once(client, login_as, db, stripe_client, broken_price):  # noqa: F811
    login_as("cs")
    response = _fix(client, broken_price, "valid-days", valid_days="365")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "catalog-changed"
    assert f"Added valid_days=365 to price {broken_price}" in response.get_data(as_text=True)
    assert stripe_client.v1.prices.retrieve(broken_price).metadata.to_dict() == {"plan": "startup", "valid_days": "365"}
    [entry] = _audit(db, "catalog.price_metadata_added")
    assert entry.object_id == broken_price and entry.after == {"valid_days": "365"} and entry.actor_id
    assert db.session.scalar(db.select(StripeOperation.status).where(
        StripeOperation.action == "update_price_metadata")) == "succeeded"
    assert "No rule violations" in client.get("/catalog").get_data(as_text=True)
    again = _fix(client, broken_price, "valid-days", valid_days="365")
    assert again.status_code == 409 and "already has valid_days=365: nothing to add" in again.get_data(as_text=True)


def test_archiving_the_price_fixes_the_report(client, login_as, db, stripe_client, broken_price):  # noqa: F811
    login_as("finance")
    response = _fix(client, broken_price, "archive")
    assert response.status_code == 200 and f"Archived price {broken_price}." in response.get_data(as_text=True)
    assert stripe_client.v1.prices.retrieve(broken_price).active is False
    assert _audit(db, "catalog.price_archived")[0].after == {"active": False}
    assert "No rule violations" in client.get("/catalog").get_data(as_text=True)
    again = _fix(client, broken_price, "archive")
    assert again.status_code == 409 and "already archived: nothing to do" in again.get_data(as_text=True)


@pytest.mark.parametrize("days", ["", "0", "-3", "1.5", "forever", "99999"])
def test_bad_valid_days_are_refused_and_nothing_is_written(client, login_as, stripe_client, broken_price,  # noqa: F811
                                                           nothing_written, days):
    login_as("cs")
    with nothing_written():
        response = _fix(client, broken_price, "valid-days", valid_days=days)
    assert response.status_code == 422 and "valid_days must be a whole number of days" in response.get_data(as_text=True)
    assert "valid_days" not in stripe_client.v1.prices.retrieve(broken_price).metadata.to_dict()


def test_a_viewer_cannot_fix_and_nothing_is_written(client, login_as, broken_price, nothing_written):  # noqa: F811
    login_as("viewer")
    with nothing_written():
        assert _fix(client, broken_price, "archive").status_code == 403


def test_an_unknown_price_is_refused_in_words(client, login_as, catalog, nothing_written):
    login_as("cs")
    with nothing_written():
        response = _fix(client, "price_nope", "archive")
    assert response.status_code == 422 and "there is no price &#39;price_nope&#39; in Stripe" in response.get_data(as_text=True)


def test_creating_a_price_refreshes_the_report(client, login_as, catalog):
    from tests.catalog.test_price_builder import form

    login_as("finance")
    html = client.post("/catalog/prices/preview", data=form()).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" value="')[1].split('"')[0]
    created = client.post("/catalog/prices", data=form(fingerprint=fingerprint))
    assert created.status_code == 200 and created.headers["HX-Trigger"] == "catalog-changed"
