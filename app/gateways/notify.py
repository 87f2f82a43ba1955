"""The two ways people are told: email over SMTP and a Slack incoming webhook. Each `send` raises
`DeliveryFailed` in the server's own words, so the outbox can keep the reason on the delivery."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import requests

TIMEOUT = 15  # seconds; the worker tells everyone else while one server hangs


class DeliveryFailed(Exception):
    """The server refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    starttls: bool
    sender: str


class EmailChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.sender, recipient, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.settings.host, self.settings.port, timeout=TIMEOUT) as smtp:
                if self.settings.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise DeliveryFailed(f"SMTP {code}: {_text(text)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.settings.host}:{self.settings.port}: {exc}") from exc


class SlackChannel:
    name = "slack"

    def __init__(self, webhook_url: str):
        self.webhook_url = webhook_url
        self.http = requests.Session()

    def send(self, recipient: str, subject: str, body: str) -> None:
        text = f"*{subject}*\n{body}" if body else f"*{subject}*"
        try:
            response = self.http.post(self.webhook_url, json={"text": text}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"Slack webhook unreachable: {exc}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(f"Slack webhook answered {response.status_code}: {response.text[:200]}")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def build_channels(config) -> dict:
    """The channels configured: email when SMTP_HOST is set, Slack when SLACK_WEBHOOK_URL is."""
    channels = {}
    if config.get("SMTP_HOST"):
        channels["email"] = EmailChannel(SmtpSettings(
            config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), config.get("SMTP_USERNAME") or "",
            config.get("SMTP_PASSWORD") or "", bool(config.get("SMTP_STARTTLS")),
            config.get("SMTP_FROM") or "billing-console@localhost"))
    if config.get("SLACK_WEBHOOK_URL"):
        channels["slack"] = SlackChannel(config["SLACK_WEBHOOK_URL"])
    return channels
