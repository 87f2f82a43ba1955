"""The app's collaborators for views, CLI commands and jobs (built once in create_app)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.billing.catalog_config import Catalog, CatalogConfigError, load_catalog
from app.billing.contract_mapping import ContractMapping, MappingError, load_mapping
from app.config import ConfigError
from app.gateways.contracts import build_contract_source
from app.gateways.oidc import OidcProvider, OidcSettings
from app.gateways.stripe import (
    RequestPacer,
    StripeGateway,
    build_client,
    build_http,
    default_rate,
)
from app.gateways.stripe_clock import EmulatorClockReader
from app.timeutil import CLOCK_EXTENSION, EmulatorClock, SystemClock

log = logging.getLogger(__name__)
CLOCK_MODES = ("emulator", "system")


def init_app(app) -> None:
    app.extensions[CLOCK_EXTENSION] = build_clock(app.config)
    try:
        app.extensions["contract_mapping"] = load_mapping(app.config["CONTRACT_MAPPING_PATH"])
    except MappingError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        app.extensions["catalog"] = load_catalog(app.config["BILLING_CONFIG_PATH"])
    except CatalogConfigError as exc:
        raise ConfigError(f"billing config {exc}") from exc
    app.extensions["contract_mapping"] = replace(app.extensions["contract_mapping"], currencies=tuple(
        code.upper() for code in app.extensions["catalog"].currencies))  # contracts in these are billed in them
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


def build_clock(cfg) -> EmulatorClock | SystemClock:
    """APP_CLOCK: `emulator` follows the emulator at STRIPE_API_BASE, `system` never does; unset, the
    product follows the emulator when STRIPE_API_BASE is set and its clock answers at start-up."""
    setting = (cfg.get("APP_CLOCK") or "").strip().lower()
    base, key = cfg.get("STRIPE_API_BASE") or "", cfg.get("STRIPE_SECRET_KEY") or ""
    if setting not in ("", *CLOCK_MODES):
        raise ConfigError(f"APP_CLOCK must be 'emulator' or 'system' (or unset), not '{setting}'")
    live = key.startswith(("sk_live", "rk_live"))
    if setting == "emulator" and not base:
        raise ConfigError("APP_CLOCK=emulator needs STRIPE_API_BASE (the Stripe emulator's URL); "
                          "against real Stripe the product keeps the system clock")
    if setting == "emulator" and live:
        raise ConfigError("APP_CLOCK=emulator with a live STRIPE_SECRET_KEY: live keys are real Stripe, "
                          "whose clock is the system's")
    if setting == "system" or not base or live:
        return SystemClock()
    clock = EmulatorClock(EmulatorClockReader(base), source=base)
    clock.refresh()
    if clock.answering:
        return clock
    if setting == "emulator":
        log.warning("APP_CLOCK=emulator but the emulator's clock at %s does not answer (%s): this machine's "
                    "time until it does", base, clock.error)
        return clock
    log.info("APP_CLOCK unset and no emulator clock answers at %s (%s): the product keeps the system clock",
             base, clock.error)
    return SystemClock()


def app_clock() -> EmulatorClock | SystemClock:
    return current_app.extensions[CLOCK_EXTENSION]


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


def rehearsal_options() -> dict:
    """What a rehearsal needs of the configuration: the key (a live one is refused) and the renewals' lead time."""
    return {"api_key": current_app.config.get("STRIPE_SECRET_KEY") or "",
            "lead_days": current_app.config["RENEWAL_LEAD_DAYS"]}


def oidc_provider() -> OidcProvider | None:
    """The identity provider for single sign-on, or None when OIDC_ISSUER is not set."""
    cfg = current_app.config
    if not cfg.get("OIDC_ISSUER"):
        return None
    return OidcProvider(OidcSettings(cfg["OIDC_ISSUER"], cfg["OIDC_CLIENT_ID"], cfg["OIDC_CLIENT_SECRET"],
                                     cfg["OIDC_GROUPS_CLAIM"], cfg["OIDC_SCOPES"], cfg["OIDC_PROVIDER_NAME"]))


def login_policy():
    """How many wrong passwords an account or an address may try per window (LOGIN_* settings)."""
    from app.services.logins import LoginPolicy

    cfg = current_app.config
    return LoginPolicy(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], cfg["LOGIN_MAX_FAILURES_PER_IP"],
                       timedelta(minutes=cfg["LOGIN_THROTTLE_MINUTES"]))


def public_url() -> str:
    """PUBLIC_URL: the console's address as people open it, for links in notifications ("" when unset)."""
    return current_app.config.get("PUBLIC_URL", "")


def notification_channels() -> dict:
    """Email and Slack as configured now (SMTP_*, SLACK_WEBHOOK_URL); a channel not set is absent."""
    from app.gateways.notify import build_channels

    return build_channels(current_app.config)
