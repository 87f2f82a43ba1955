"""`python -m stripe_emulator --port 12111 ...`: serve the emulator until interrupted."""

import argparse
import gc
import logging
import signal
import sys
import threading
import time

from .app import Emulator
from .server import Server


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m stripe_emulator",
                                description="Local Stripe API emulator (test mode only).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=12111)
    p.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    p.add_argument("--rate-limit", type=float, default=None,
                   help="requests per second before 429s (token bucket)")
    p.add_argument("--fail-rate", type=float, default=0.0,
                   help="fraction of API requests answered with an injected 500")
    p.add_argument("--state", default=None, help="JSON file to persist state across restarts")
    p.add_argument("--save-interval-ms", type=int, default=200,
                   help="with --state: rewrite FILE at most this often from a background "
                        "thread, and on shutdown (0: before answering each change)")
    p.add_argument("--webhook-url", default=None)
    p.add_argument("--webhook-secret", default=None)
    return p.parse_args(argv)


def keep_state_out_of_the_collector(every_seconds: float = 1.0) -> None:
    """The emulator keeps every object it was sent, millions of small dicts at 10,000
    customers; each full collection rescans them all, stalling every request for 150-250 ms
    (a pause no client sees from Stripe). Each second the young garbage is collected and
    the survivors are frozen out of later collections."""
    def tidy():
        while True:
            time.sleep(every_seconds)
            gc.collect(1)
            gc.freeze()

    threading.Thread(target=tidy, name="gc-freeze", daemon=True).start()


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    emulator = Emulator(state_file=args.state, latency_ms=args.latency_ms,
                        rate_limit=args.rate_limit, fail_rate=args.fail_rate,
                        webhook_url=args.webhook_url, webhook_secret=args.webhook_secret,
                        save_interval_ms=args.save_interval_ms)
    server = Server(emulator, args.host, args.port)
    keep_state_out_of_the_collector()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging.getLogger("stripe_emulator").info("listening on %s", server.url)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # runs the stop hooks and writes the state file one last time


if __name__ == "__main__":
    main()
