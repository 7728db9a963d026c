"""Readers at the temperature dial, for locust (from PyPI). Run through
`bench/load.py locust`, which starts the server and the practice streams.

Each user is one reader: `constant_throughput(5)` moves the dial five times a
second (if the answers come back in time), one notch at a time as `Walk` in
bench/load.py moves it, and sends the address the last answer gave as
HX-Current-URL, as htmx does.
"""

import os
import pathlib
import random
import sys

from locust import FastHttpUser, constant_throughput, task

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from load import DIAL, Walk  # noqa: E402

RATE = float(os.environ.get("BENCH_RATE", "5"))  # moves per second per reader


class DialReader(FastHttpUser):
    wait_time = constant_throughput(RATE)

    def on_start(self):
        self.walk = Walk(random.Random(), self.host.rstrip("/"))

    @task
    def move_the_dial(self):
        query = self.walk.next_query()
        headers = {"HX-Request": "true", "HX-Target": "temperature-out", "HX-Current-URL": self.walk.current}
        with self.client.get(f"{DIAL}?{query}", headers=headers, name="dial", catch_response=True) as r:
            if r.status_code != 200 or b"name-text" not in (r.content or b""):
                r.failure(f"HTTP {r.status_code}")
                return
            self.walk.answered(r.headers.get("hx-replace-url"))
