"""What every benchmark starts from: a scratch folder set in the environment before the app is
imported, an emulator in its own process, a fresh database, the app pointed at them, and the
timing helpers. The scripts import this first: `from bench.harness import ...`."""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

API_KEY = "sk_test_bench"
FORM_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/x-www-form-urlencoded"}


def scratch_dir(prefix: str) -> Path:
    """A temp folder for this run's instance, huey and SQLite files; the app reads the env at import."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("INSTANCE_PATH", str(folder / "instance"))
    os.environ.setdefault("HUEY_SQLITE_PATH", str(folder / "huey.db"))
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 30) -> None:
    """Until something accepts on 127.0.0.1:`port`; fails early when `proc` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def start_emulator(rate_limit: float | None = None) -> tuple[subprocess.Popen, str]:
    """The emulator in its own process (persistence off), as `make run` starts it; (process, url)."""
    port = free_port()
    args = [sys.executable, "-m", "stripe_emulator", "--port", str(port)]
    if rate_limit:
        args += ["--rate-limit", str(rate_limit)]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
    except RuntimeError:
        proc.kill()
        raise SystemExit("emulator did not start") from None
    return proc, f"http://127.0.0.1:{port}"


def emulator_options(description: str, n: int, n_help: str) -> argparse.ArgumentParser:
    """The emulator benchmarks' options: a running emulator's --url, --runs, --n calls, --threads."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--url", help="use a running emulator instead of starting one")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--n", type=int, default=n, help=n_help)
    p.add_argument("--threads", type=int, default=4, help="client threads for threaded runs")
    return p


def emulator_at(url: str | None) -> tuple[subprocess.Popen | None, str]:
    """The running emulator at `url`, or one started for this run."""
    return (None, url) if url else start_emulator()


def stop(proc: subprocess.Popen | None, seconds: float = 15) -> None:
    if proc is not None:
        proc.terminate()
        proc.wait(seconds)


def make_client(url: str, api_key: str = API_KEY):
    """The app's client settings; a session without proxy-environment lookups per request."""
    import requests
    import stripe

    session = requests.Session()
    session.trust_env = False
    return stripe.StripeClient(api_key, base_addresses={"api": url, "meter_events": url},
                               max_network_retries=2, http_client=stripe.RequestsClient(session=session))


def database_url(kind: str, sqlite_path: Path) -> str:
    """SQLite at `sqlite_path`, or BENCH_DATABASE_URL's PostgreSQL with its public schema recreated."""
    if kind == "sqlite":
        return f"sqlite:///{sqlite_path}"
    from bench.databases import fresh_postgres

    return fresh_postgres()


def bench_app(url: str, stripe_url: str | None = None, migrate: bool = True, **config):
    """The app on `url`, migrated unless the caller times that; on the emulator at `stripe_url`
    (unpaced) when given."""
    from flask_migrate import upgrade

    from app import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": url}
    if stripe_url:
        settings |= {"STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": stripe_url, "STRIPE_RATE_LIMIT": 0}
    app = create_app(settings | config)
    if migrate:
        with app.app_context():
            upgrade()
    return app


def admin_client(app, email: str = "bench@staff.example", password: str = "bench-password-1"):
    """A test client signed in as a new admin."""
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.users import create_user

    with app.app_context():
        create_user(db.session, Actor.system("bench"), email, "admin", password, "Bench")
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": password})
    return client


def rate(fn, calls: int, threads: int = 1, per_call: int = 1) -> float:
    """Units per second for `calls` calls of `fn(i)` spread over `threads` client threads."""
    start = time.perf_counter()
    if threads == 1:
        for i in range(calls):
            fn(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, range(calls)))
    return calls * per_call / (time.perf_counter() - start)


def in_threads(fn, arguments) -> None:
    """`fn(*args)` for each args in a thread of its own; returns when all are done."""
    pool = [threading.Thread(target=fn, args=args) for args in arguments]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def post_keep_alive(url: str, path: str, bodies, headers: dict) -> None:
    """POST each body over one keep-alive connection (no SDK), each with its own idempotency key."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    for body in bodies:
        conn.request("POST", path, body, {**headers, "Idempotency-Key": uuid.uuid4().hex})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    conn.close()


def cpu_seconds(*pids: int) -> float:
    """utime + stime of these processes: CPU per call is steadier than calls/s on a shared VM."""
    ticks = 0
    for pid in pids:
        ticks += sum(int(v) for v in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
    return ticks / os.sysconf("SC_CLK_TCK")
