"""A real SMTP server (aiosmtpd) and a Slack-like HTTP receiver, both on loopback, and the app pointed at them."""
from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from app.jobs import job_queue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps each message, or answers `refuse` (e.g. "451 4.3.0 Mailbox busy") to DATA."""

    def __init__(self):
        self.messages, self.refuse = [], None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "subject": str(message["Subject"]).strip(),
                              "body": message.get_content()})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


class SlackReceiver(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SlackHandler)
        self.received, self.fail_with = [], None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T000/B000/hook"


class _SlackHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.fail_with:
            self.send_response(self.server.fail_with)
            self.end_headers()
            self.wfile.write(b"invalid_token")
            return
        self.server.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def slack_receiver():
    server = SlackReceiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def channels(app, monkeypatch, smtp_server, slack_receiver):
    """The app's SMTP and Slack settings pointed at the loopback receivers: (inbox, slack)."""
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_STARTTLS": False,
                        "SMTP_USERNAME": "", "SMTP_FROM": "billing@ourco.example",
                        "SLACK_WEBHOOK_URL": slack_receiver.url}.items():
        monkeypatch.setitem(app.config, name, value)
    return smtp_server, slack_receiver


@pytest.fixture
def run_worker(db):
    """The worker's two periodic tasks, run here: the daily checks, then the delivery."""

    def run(checks: bool = True) -> None:
        if checks:
            job_queue.run_periodic("notification_checks_daily")
        job_queue.run_periodic("deliver_notifications")

    return run


from tests.customers.test_startup_plans import startup_price, subscriber  # noqa: E402, F401 - fixtures reused
