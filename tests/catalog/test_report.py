"""The catalog page and `flask catalog check`: the bootstrapped catalog is clean, a broken price is flagged."""
import pytest


@pytest.fixture
def broken_price(stripe_client, ids):
    """A startup price without valid_days: its customers would never leave the startup plan."""
    return stripe_client.v1.prices.create(params={
        "product": ids("product", "session_replay"), "currency": "usd", "nickname": "Startup 2027",
        "billing_scheme": "tiered", "tiers_mode": "graduated",
        "tiers": [{"up_to": 5000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0"}],
        "recurring": {"interval": "month", "usage_type": "metered", "meter": ids("meter", "session_replay_recordings")},
        "metadata": {"plan": "startup"}}).id


def test_catalog_page_lists_products_and_prices_without_violations(client, login_as, catalog, price_of):
    login_as("viewer")
    response = client.get("/catalog")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No rule violations" in html
    assert f'id="price-{price_of("session_replay")}"' in html and "Session replay" in html


def test_catalog_page_flags_a_broken_price_in_words(client, login_as, broken_price):
    login_as("viewer")
    html = client.get("/catalog").get_data(as_text=True)
    assert "1 rule violation<" in html
    assert f'data-subject="{broken_price}"' in html
    assert "plan=startup but no valid_days" in html


def test_check_command_passes_on_a_clean_catalog(app, catalog):
    result = app.test_cli_runner().invoke(args=["catalog", "check"])
    assert result.exit_code == 0, result.output
    assert "Catalog OK: 5 products, 8 prices, no violations." in result.output


def test_check_command_prints_the_violation_and_fails(app, broken_price):
    result = app.test_cli_runner().invoke(args=["catalog", "check"])
    assert result.exit_code == 1
    assert f"[valid_days] {broken_price}: Price {broken_price} (Startup 2027): it has plan=startup" in result.output


def test_check_command_without_stripe_is_one_readable_line(app, db, monkeypatch):
    monkeypatch.setitem(app.extensions, "stripe_client", None)
    result = app.test_cli_runner().invoke(args=["catalog", "check"])
    assert result.exit_code == 1 and "Stripe is not configured" in result.output


def test_catalog_page_without_stripe_says_why(app, client, login_as, monkeypatch):
    login_as("viewer")
    monkeypatch.setitem(app.extensions, "stripe_client", None)
    response = client.get("/catalog")
    assert response.status_code == 502
    assert "Could not read the catalog from Stripe: Stripe is not configured" in response.get_data(as_text=True)


@pytest.fixture
def seed_demo(app, db, stripe_emulator):
    """`make run`'s demo customers, made in the emulator (with the catalog they need)."""
    from app.demo.customers import seed_demo_customers

    def seed():
        with app.test_request_context():
            return seed_demo_customers(db.session)

    return seed


def _startup_prices(stripe_client) -> list:
    return [p for p in stripe_client.v1.prices.list(params={"limit": 100}).data if p.metadata.to_dict().get("plan")]


def test_the_demo_catalog_report_flags_its_one_broken_price(client, login_as, stripe_client, seed_demo):
    seed_demo()
    login_as("viewer")
    html = client.get("/catalog").get_data(as_text=True)
    [broken] = _startup_prices(stripe_client)
    assert "1 rule violation<" in html
    assert f'<li data-rule="valid_days" data-subject="{broken.id}">' in html
    assert f"Price {broken.id} (Startup programme): it has plan=startup but no valid_days" in html


def test_seeding_the_demo_twice_makes_one_broken_price(stripe_client, seed_demo):
    seed_demo()
    seed_demo()
    assert len(_startup_prices(stripe_client)) == 1


def test_check_command_fails_on_the_demo_catalog(app, stripe_client, seed_demo):
    seed_demo()
    result = app.test_cli_runner().invoke(args=["catalog", "check"])
    [broken] = _startup_prices(stripe_client)
    assert result.exit_code == 1
    assert f"[valid_days] {broken.id}: Price {broken.id} (Startup programme)" in result.output
    assert result.output.strip().endswith("1 violation in 5 products and 10 prices.")
