"""Where signed contracts come from: PandaDoc's API, or a folder of details JSON files.

Both return PandaDoc's document-details dict unchanged; mapping it is app/billing's job.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import requests

from app.refusals import SourceUnavailable

PANDADOC_API = "https://api.pandadoc.com"


class ContractSourceError(SourceUnavailable):
    """A readable reason the contract could not be read; shown on the row."""


class PandaDocSource:
    def __init__(self, api_key: str, base_url: str = PANDADOC_API, timeout: float = 20.0,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep):
        if not api_key:
            raise ContractSourceError("PANDADOC_API_KEY is not set")
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.max_attempts, self.sleep = max_attempts, sleep
        scheme = "" if api_key.startswith(("API-Key ", "Bearer ")) else "API-Key "
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"{scheme}{api_key}", "Accept": "application/json"})

    def fetch_details(self, document_id: str) -> dict:
        url = f"{self.base_url}/public/v1/documents/{document_id}/details"
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.http.get(url, timeout=self.timeout)
            except requests.RequestException as exc:
                if attempt == self.max_attempts:
                    raise ContractSourceError(f"could not reach PandaDoc: {exc}") from exc
                self.sleep(min(2 ** attempt, 30))
                continue
            if response.status_code == 200:
                return response.json()
            if response.status_code in (429, 502, 503, 504) and attempt < self.max_attempts:
                self.sleep(_retry_after(response, attempt))
                continue
            raise ContractSourceError(_explain(response, document_id))
        raise ContractSourceError("PandaDoc kept refusing")  # pragma: no cover - loop always returns


def _retry_after(response, attempt: int) -> float:
    try:
        return min(float(response.headers.get("Retry-After", "")), 60.0)
    except ValueError:
        return float(min(2 ** attempt, 30))


def _explain(response, document_id: str) -> str:
    status = response.status_code
    if status == 404:
        return f"PandaDoc has no document {document_id} (404)"
    if status in (401, 403):
        return f"PandaDoc refused the API key ({status}); check PANDADOC_API_KEY"
    if status == 429:
        return "PandaDoc rate limit: still 429 after retrying; load again in a minute"
    return f"PandaDoc answered {status}: {response.text[:200]}"


class FolderSource:
    """Details JSON files in a folder (demo data, tests, replaying a missed webhook)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def fetch_details(self, document_id: str) -> dict:
        for path in sorted(self.directory.glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("id") == document_id and "tokens" in data:
                return data
        raise ContractSourceError(f"no details file for document {document_id} in {self.directory}")


def read_details_file(path: str | Path) -> dict:
    """For `flask annual-plans import-contract PATH`: one file, checked to be document details."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ContractSourceError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ContractSourceError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("id") or "tokens" not in data:
        raise ContractSourceError(f"{path} is not a PandaDoc document-details file (needs id and tokens)")
    return data


def build_contract_source(config) -> PandaDocSource | FolderSource:
    if config.get("CONTRACT_SOURCE") == "files":
        return FolderSource(config["CONTRACT_FILES_DIR"])
    return PandaDocSource(config.get("PANDADOC_API_KEY", ""), config.get("PANDADOC_API_BASE") or PANDADOC_API)
