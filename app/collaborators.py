"""The app's collaborators for views, CLI commands and jobs (built once in create_app)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from app.billing.catalog_config import Catalog, CatalogConfigError, load_catalog
from app.billing.contract_mapping import ContractMapping, MappingError, load_mapping
from app.config import ConfigError
from app.gateways.contracts import build_contract_source
from app.gateways.stripe import (
    RequestPacer,
    StripeGateway,
    build_client,
    build_http,
    default_rate,
)


def init_app(app) -> None:
    try:
        app.extensions["contract_mapping"] = load_mapping(app.config["CONTRACT_MAPPING_PATH"])
    except MappingError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        app.extensions["catalog"] = load_catalog(app.config["BILLING_CONFIG_PATH"])
    except CatalogConfigError as exc:
        raise ConfigError(f"billing config {exc}") from exc
    unknown = set(product_keys_of(app.extensions["contract_mapping"])) - set(app.extensions["catalog"].products)
    if unknown:
        raise ConfigError(f"contract mapping names products missing from billing.toml: {', '.join(sorted(unknown))}")
    key = app.config["STRIPE_SECRET_KEY"]
    app.extensions["stripe_client"] = build_client(key, app.config["STRIPE_API_BASE"] or None) if key else None
    app.extensions["stripe_http"] = build_http(key, app.config["STRIPE_API_BASE"] or None) if key else None
    rate = app.config["STRIPE_RATE_LIMIT"]
    app.extensions["stripe_pacer"] = RequestPacer(default_rate(key) if rate is None else float(rate))
    meter_rate = app.config.get("STRIPE_METER_EVENT_RATE")
    app.extensions["stripe_meter_pacer"] = RequestPacer(950.0 if meter_rate is None else float(meter_rate), slack=0.05)
    app.extensions["stripe_stream_pacer"] = RequestPacer(float(app.config["STRIPE_STREAM_EVENT_RATE"]), slack=0.05)


def contract_mapping() -> ContractMapping:
    return current_app.extensions["contract_mapping"]


def product_keys_of(mapping: ContractMapping) -> list[str]:
    return [p.product_key for p in mapping.products]


def product_keys() -> list[str]:
    return product_keys_of(contract_mapping())


def catalog() -> Catalog:
    return current_app.extensions["catalog"]


def contract_source():
    return build_contract_source(current_app.config)


def stripe_gateway() -> StripeGateway:
    """A fresh gateway per request or job, sharing the app's one StripeClient."""
    return StripeGateway(current_app.extensions["stripe_client"], pacer=current_app.extensions["stripe_pacer"],
                         http=current_app.extensions["stripe_http"])


def own_email_domains() -> list[str]:
    return current_app.config["OWN_EMAIL_DOMAINS"]


def usage_zone() -> ZoneInfo:
    """The zone usage days are counted in (the billing/ day rules take it as an argument)."""
    return ZoneInfo(current_app.config.get("USAGE_TIMEZONE") or "Europe/London")


def usage_send_options() -> dict:
    """How a usage send talks to Stripe: v2 stream above a size, else v1; a few calls in flight."""
    return {"stream_threshold": current_app.config["USAGE_STREAM_THRESHOLD"],
            "threads": current_app.config["USAGE_SEND_THREADS"]}


def meter_gateway() -> StripeGateway:
    """For meter events, paced by their own limits (v1 1,000 calls/s, v2 stream 10,000 events/s live),
    separate from the global one."""
    return StripeGateway(current_app.extensions["stripe_client"], pacer=current_app.extensions["stripe_meter_pacer"],
                         stream_pacer=current_app.extensions["stripe_stream_pacer"],
                         http=current_app.extensions["stripe_http"])
