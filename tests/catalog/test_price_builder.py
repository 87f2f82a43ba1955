"""The bespoke price builder: the write plan first, then exactly that price; misaligned tiers refused."""
import pytest

from app.models import AuditEntry, StripeOperation

PA_BOUNDS = ["1000000", "2000000", "15000000", "50000000", ""]


def form(product="product_analytics", shape="metered", bounds=PA_BOUNDS, units=None, flats=None, **extra):
    units = units or ["0", "0.00004", "0.00003", "0.00002", "0.00001"][:len(bounds)]  # dollars per unit
    flats = flats or [""] * len(bounds)
    return {"product_key": product, "shape": shape, "up_to": bounds, "unit": units, "flat": flats,
            "nickname": "Acme custom tiers 2027", **extra}


def count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def prices_in(stripe_emulator):
    return len(stripe_emulator.state.collection("price"))


def test_preview_shows_the_call_and_confirm_creates_exactly_that_price(client, login_as, catalog, ids, stripe_client, db):
    login_as("finance")
    preview = client.post("/catalog/prices/preview", data=form(plan="startup", valid_days="365"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "create_price" in html and "Acme custom tiers 2027" in html
    fingerprint = html.split('name="fingerprint" value="')[1].split('"')[0]

    created = client.post("/catalog/prices", data=form(plan="startup", valid_days="365", fingerprint=fingerprint))
    assert created.status_code == 200, created.get_data(as_text=True)
    price_id = created.get_data(as_text=True).split("Created price ")[1].split(".")[0]
    price = stripe_client.v1.prices.retrieve(price_id, params={"expand": ["tiers"]})
    assert price.product == ids("product", "product_analytics") and price.nickname == "Acme custom tiers 2027"
    assert price.recurring.meter == ids("meter", "product_analytics_events")
    assert [t.up_to for t in price.tiers] == [1000000, 2000000, 15000000, 50000000, None]
    assert str(price.tiers[1].unit_amount_decimal) == "0.004"
    assert price.metadata.to_dict() == {"posthog_product_key": "product_analytics", "plan": "startup", "valid_days": "365"}
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="catalog.price_created")).one()
    assert entry.object_id == price_id


def test_pressing_confirm_twice_makes_one_price(client, login_as, catalog, stripe_emulator, db):
    login_as("finance")
    html = client.post("/catalog/prices/preview", data=form()).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" value="')[1].split('"')[0]
    before = prices_in(stripe_emulator)
    client.post("/catalog/prices", data=form(fingerprint=fingerprint))
    client.post("/catalog/prices", data=form(fingerprint=fingerprint))
    assert prices_in(stripe_emulator) == before + 1
    assert count(db, StripeOperation) == 17 + 1


def test_flat_upfront_price_is_licensed(client, login_as, catalog, stripe_client):
    login_as("finance")
    data = {"product_key": "enterprise", "shape": "flat_upfront", "amount": "$20,000", "interval": "year",
            "nickname": "Enterprise flat"}
    html = client.post("/catalog/prices/preview", data=data).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" value="')[1].split('"')[0]
    created = client.post("/catalog/prices", data=data | {"fingerprint": fingerprint}).get_data(as_text=True)
    price = stripe_client.v1.prices.retrieve(created.split("Created price ")[1].split(".")[0])
    assert (price.unit_amount, price.recurring.interval, price.recurring.usage_type) == (2000000, "year", "licensed")


def test_misaligned_tiers_are_refused_in_place_and_nothing_is_written(client, login_as, catalog, stripe_emulator, db):
    login_as("finance")
    bad = form(bounds=["1000000", "2000000", "16000000", "50000000", ""])
    before, ops, audits = prices_in(stripe_emulator), count(db, StripeOperation), count(db, AuditEntry)
    for url in ("/catalog/prices/preview", "/catalog/prices"):
        response = client.post(url, data=bad | {"fingerprint": "anything"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "do not line up with the add-ons" in html and "no price of group_analytics uses those bounds" in html
    assert prices_in(stripe_emulator) == before
    assert (count(db, StripeOperation), count(db, AuditEntry)) == (ops, audits)


@pytest.mark.parametrize("data, message", [
    (form(product="heatmaps"), "never create a new product"),
    (form(shape="hybrid"), "supported plan shapes"),
    (form(bounds=["2000000", "1000000", "", "", ""]), "Tier 2: &#39;up to&#39; must be a whole number of units above 2,000,000"),
    (form(bounds=["100", "200"]), "The last tier (tier 2) must go up to infinity"),
    (form(units=["0", "0.5.1", "0", "0", "0"]), "Tier 2: &#39;0.5.1&#39; is not an amount in dollars per unit"),
    (form(units=["0", "-1", "0", "0", "0"]), "Tier 2: the per-unit amount must be zero or more dollars"),
    (form(shape="flat_first_tier"), "Tier 1 must have a flat amount above zero"),
    (form(flats=["", "1.505", "", "", ""]), "Tier 2&#39;s flat amount must be an amount in dollars, to the cent"),
    (form(plan="startup"), "plan=startup but no valid_days"),
    (form(valid_days="0"), "valid_days=&#39;0&#39; is not a whole number"),
    (form(move_to_price_id="price_nope"), "price_nope, which does not exist"),
    (form(product="enterprise"), "enterprise has no meter"),
    ({"product_key": "enterprise", "shape": "flat_upfront", "amount": "12.505"}, "The flat amount must be an amount in dollars above zero"),
    ({"product_key": "enterprise", "shape": "flat_upfront", "amount": "2000000¢"}, "The flat amount must be an amount in dollars"),
])
def test_bad_input_is_a_422_in_place(client, login_as, catalog, stripe_emulator, data, message):
    login_as("finance")
    before = prices_in(stripe_emulator)
    response = client.post("/catalog/prices/preview", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert prices_in(stripe_emulator) == before


def test_move_to_a_price_of_another_product_is_refused(client, login_as, price_of):
    login_as("finance")
    response = client.post("/catalog/prices/preview",
                           data=form(move_to_price_id=price_of("session_replay"), valid_days="30"))
    assert response.status_code == 422 and "a price of another product" in response.get_data(as_text=True)


def test_a_changed_form_after_preview_is_refused(client, login_as, catalog, stripe_emulator):
    login_as("finance")
    html = client.post("/catalog/prices/preview", data=form()).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" value="')[1].split('"')[0]
    before = prices_in(stripe_emulator)
    response = client.post("/catalog/prices", data=form(units=["0", "0.001", "0.001", "0.001", "0.001"], fingerprint=fingerprint))
    assert response.status_code == 422 and "not the price that was previewed" in response.get_data(as_text=True)
    assert prices_in(stripe_emulator) == before


def test_viewers_cannot_create_prices(client, login_as, catalog, nothing_written):
    login_as("viewer")
    with nothing_written():
        assert client.post("/catalog/prices/preview", data=form()).status_code == 403
        assert client.post("/catalog/prices", data=form()).status_code == 403


def test_the_preview_says_the_price_in_dollars_first(client, login_as, catalog):
    login_as("finance")
    html = client.post("/catalog/prices/preview", data=form()).get_data(as_text=True)
    assert ("Create a standard metered price &#39;Acme custom tiers 2027&#39; " in html and "for Product analytics (per event): "
            "up to 1,000,000: $0.00 each; up to 2,000,000: $0.00004 each; up to 15,000,000: $0.00003 each; "
            "up to 50,000,000: $0.00002 each; above 50,000,000: $0.00001 each" in html)
    flat = {"product_key": "enterprise", "shape": "flat_upfront", "amount": "$20,000", "interval": "year",
            "nickname": "Enterprise flat"}
    html = client.post("/catalog/prices/preview", data=flat).get_data(as_text=True)
    assert "for Enterprise: $20,000.00 a year" in html and "¢" not in html


@pytest.mark.parametrize("nickname", ["", "   "])
def test_a_price_without_a_nickname_is_refused_and_nothing_is_written(client, login_as, catalog, db, nothing_written,
                                                                      nickname):
    login_as("finance")
    with nothing_written():
        preview = client.post("/catalog/prices/preview", data=form(nickname=nickname), headers={"HX-Request": "true"})
        created = client.post("/catalog/prices", data=form(nickname=nickname, fingerprint="x"),
                              headers={"HX-Request": "true"})
    for response in (preview, created):
        assert response.status_code == 422
        assert "Give the price a nickname" in response.get_data(as_text=True)
