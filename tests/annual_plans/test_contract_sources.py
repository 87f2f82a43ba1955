"""The PandaDoc client against a local stand-in server: auth header, 429 backoff, clear errors."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.gateways.contracts import ContractSourceError, FolderSource, PandaDocSource
from tests.conftest import CONTRACTS


class FakePandaDoc:
    """Answers /public/v1/documents/<id>/details from a script of statuses."""

    def __init__(self, script):
        self.script, self.seen = list(script), []
        details = json.loads((CONTRACTS / "acme.details.json").read_text())
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                outer.seen.append((self.path, self.headers.get("Authorization")))
                status = outer.script.pop(0) if outer.script else 200
                body = json.dumps(details if status == 200 else {"detail": "nope"}).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def pandadoc(request):
    fake = FakePandaDoc(getattr(request, "param", []))
    yield fake
    fake.close()


def _source(fake, key="secret-key", attempts=5):
    return PandaDocSource(key, fake.url, timeout=5, max_attempts=attempts, sleep=lambda s: None)


def test_fetches_details_with_the_api_key(pandadoc):
    details = _source(pandadoc).fetch_details("AcmeOrdrFrm2027v1xQ7Lp")
    assert details["id"] == "AcmeOrdrFrm2027v1xQ7Lp"
    assert pandadoc.seen == [("/public/v1/documents/AcmeOrdrFrm2027v1xQ7Lp/details", "API-Key secret-key")]


def test_an_oauth_token_is_sent_as_bearer(pandadoc):
    _source(pandadoc, key="Bearer oauth-token").fetch_details("X")
    assert pandadoc.seen[0][1] == "Bearer oauth-token"


@pytest.mark.parametrize("pandadoc", [[429, 429, 200]], indirect=True)
def test_429_is_retried(pandadoc):
    assert _source(pandadoc).fetch_details("X")["id"] == "AcmeOrdrFrm2027v1xQ7Lp"
    assert len(pandadoc.seen) == 3


@pytest.mark.parametrize("pandadoc, message", [
    ([404], "PandaDoc has no document X (404)"),
    ([401], "PandaDoc refused the API key (401)"),
    ([429, 429], "still 429"),
], indirect=["pandadoc"])
def test_clear_errors(pandadoc, message):
    with pytest.raises(ContractSourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _source(pandadoc, attempts=2).fetch_details("X")


def test_missing_key_is_refused():
    with pytest.raises(ContractSourceError, match="PANDADOC_API_KEY is not set"):
        PandaDocSource("")


def test_folder_source_finds_by_document_id():
    assert FolderSource(CONTRACTS).fetch_details("GlbxOrdrFrm2027v1mK3Qz")["id"] == "GlbxOrdrFrm2027v1mK3Qz"
    with pytest.raises(ContractSourceError, match="no details file for document Nope"):
        FolderSource(CONTRACTS).fetch_details("Nope")


def test_a_broken_mapping_stops_the_app_with_one_line(tmp_path):
    from app.config import ConfigError
    from tests.conftest import make_app

    broken = tmp_path / "mapping.toml"
    broken.write_text('template = "Order Form v1"\ncurrency = "USD"\n[columns]\ncompany = { token = "X", normaliser = "nope" }\n')
    with pytest.raises(ConfigError, match=r"contract mapping .*mapping\.toml: missing section 'contacts'"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", CONTRACT_MAPPING_PATH=str(broken))
