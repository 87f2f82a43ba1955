"""`flask catalog bootstrap`: products, meters, Standard and Free prices, found or created once."""
from app.models import CatalogItem


def test_bootstrap_creates_the_catalog_then_changes_nothing(app, db, stripe_emulator, stripe_client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["catalog", "bootstrap"])
    assert first.exit_code == 0, first.output
    assert first.output.count("(created)") == 5 + 4 + 8  # products, meters, prices
    products = stripe_client.v1.products.list(params={"limit": 100}).data
    assert sorted(p.metadata["posthog_product_key"] for p in products) == [
        "enterprise", "feature_flags", "group_analytics", "product_analytics", "session_replay"]
    meters = {m.event_name: m for m in stripe_client.v1.billing.meters.list().data}
    assert meters["product_analytics_events"].default_aggregation.formula == "last"
    standard = stripe_client.v1.prices.list(params={"lookup_keys": ["product_analytics_standard"],
                                                    "expand": ["data.tiers"]}).data[0]
    assert (standard.recurring.usage_type, standard.recurring.meter) == ("metered", meters["product_analytics_events"].id)
    assert [str(t.unit_amount_decimal) for t in standard.tiers][:2] == ["0", "0.005"]
    free = stripe_client.v1.prices.list(params={"lookup_keys": ["session_replay_free"], "expand": ["data.tiers"]}).data[0]
    assert [str(t.unit_amount_decimal) for t in free.tiers] == ["0"]
    counts = {kind: len(stripe_emulator.state.collection(kind)) for kind in ("product", "billing.meter", "price")}

    second = runner.invoke(args=["catalog", "bootstrap"])
    assert second.exit_code == 0 and "(created)" not in second.output and second.output.count("(found)") == 17
    assert {kind: len(stripe_emulator.state.collection(kind)) for kind in counts} == counts
    assert db.session.scalar(db.select(db.func.count()).select_from(CatalogItem)) == 17


def test_bootstrap_finds_a_catalog_made_by_hand(app, db, stripe_emulator, stripe_client):
    made = stripe_client.v1.products.create(params={"name": "Session replay (by hand)",
                                                    "metadata": {"posthog_product_key": "session_replay"}})
    result = app.test_cli_runner().invoke(args=["catalog", "bootstrap"])
    assert f"session_replay: product {made.id} (found)" in result.output
    assert len([p for p in stripe_emulator.state.collection("product").values()
                if p["metadata"].get("posthog_product_key") == "session_replay"]) == 1


def test_bootstrap_without_stripe_is_one_readable_line(app, db, monkeypatch):
    monkeypatch.setitem(app.extensions, "stripe_client", None)
    result = app.test_cli_runner().invoke(args=["catalog", "bootstrap"])
    assert result.exit_code == 1 and "Stripe is not configured" in result.output
