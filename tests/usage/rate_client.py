"""One process of the cross-process rate-limit test: `python -m tests.usage.rate_client URL TOKEN N START STORE`.

Its own app on the shared database (and Redis, for STORE=redis) sends N requests with one token from
START (unix time), then prints {"accepted": ..., "limited": ..., "first": ..., "last": ...} as JSON.
"""
import json
import os
import sys
import time

from app import create_app

RATE, BURST = 20.0, 50  # the token's bucket in the test: 50 at once, then 20 a second


def main(url: str, token: str, count: int, start: float, store: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "APP_CLOCK": "system",
                      "REDIS_URL": os.environ.get("REDIS_URL", "") if store == "redis" else "",
                      "USAGE_API_RATE": RATE, "USAGE_API_BURST": BURST})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = []
    time.sleep(max(0.0, start - time.time()))
    first = time.time()
    for _ in range(count):
        statuses.append(client.post("/api/usage/runs", json={"runs": []}, headers=headers).status_code)
    last = time.time()
    print(json.dumps({"accepted": sum(s != 429 for s in statuses), "limited": statuses.count(429),
                      "other": sorted({s for s in statuses if s not in (202, 429)}), "first": first, "last": last}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
