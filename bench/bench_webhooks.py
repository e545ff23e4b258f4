"""Webhook deliveries per second to a local receiver, through the real task path.

    .venv/bin/python -m bench.bench_webhooks [--webhooks W] [--events E] [--threads T]

On a database of its own (``credit_registry_webhooks_bench``): W webhooks subscribed to every event,
E change-feed events written as services write them (``change_emit_many``, committed), then the
dispatcher (``webhooks_dispatch``, in this process) turns them into W x E deliveries and queues one
task each on a throw-away Redis; a real Celery worker (``--pool=threads --concurrency=T``, as the
``webhook-worker`` of docker-compose.yml) sends them: address check, HMAC signature, POST to a
receiver on 127.0.0.1 (a ``ThreadingHTTPServer`` in another process answering 204), outcome
recorded. Timed from the dispatcher's start until every delivery is recorded as delivered, after an
untimed warm-up round. The public-address check is switched off (``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES``)
for the bench's processes only, as in the tests. Writes ``bench/results/webhooks.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench._db import use_bench_database
from bench.bench_badges import _database_url, _free_port, start_redis, stop

DATABASE = "credit_registry_webhooks_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "webhooks.json"
ROOT = Path(__file__).resolve().parent.parent
QUEUE = "webhooks-bench"

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever()
"""


def start_receiver(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)], start_new_session=True)
    _wait_port(port, process)
    return process


def _wait_port(port: int, process: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def start_worker(*, redis_url: str, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(DATABASE),
        "REDIS_URL": redis_url,
        "WEBHOOKS_QUEUE": QUEUE,
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            QUEUE,
            "--pool=threads",
            f"--concurrency={threads}",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wait_worker(timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise RuntimeError("the Celery worker did not answer")


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE lookup_webhookdelivery, lookup_webhooksubscription, lookup_webhookdispatchcursor, "
            "registry_changeevent"
        )


def subscribe(*, count: int, url: str) -> None:
    from lookup.developer_keys import developer_key_issue
    from lookup.webhooks.services import webhook_create
    from registry.services import system_actor

    admin = system_actor()
    for n in range(count):
        key, _ = developer_key_issue(actor=admin, name=f"bench {n}", contact_email="bench@example.org")
        webhook_create(actor=key, owner=key, url=f"{url}/{n}")


def emit(count: int, *, start: int = 0) -> None:
    from django.db import transaction

    from registry.changes import change_emit_many

    with transaction.atomic():
        change_emit_many(
            {
                "kind": "record.published",
                "enterprise_uscc": f"91330106MA{n:08d}",
                "subject": f"bench-{n}",
                "payload": {
                    "document_number": f"杭市监罚〔2026〕{n}号",
                    "fine_yuan": 5000,
                    "text": "x" * 400,
                },
                "agency_code": "113300000000000000",
            }
            for n in range(start, start + count)
        )


def run_round(*, events: int, webhooks: int, start: int, timeout: float) -> dict:
    from lookup.models import WebhookDelivery
    from lookup.webhooks.services import webhooks_dispatch

    before = WebhookDelivery.objects.filter(status="succeeded").count()
    emit(events, start=start)
    expected = before + events * webhooks
    started = time.monotonic()
    dispatched = 0
    while dispatched < events * webhooks and time.monotonic() < started + timeout:
        dispatched += webhooks_dispatch()
    dispatch_seconds = time.monotonic() - started
    deadline = started + timeout
    done = before
    while time.monotonic() < deadline:
        done = WebhookDelivery.objects.filter(status="succeeded").count()
        if done >= expected:
            break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    if done < expected:
        raise RuntimeError(f"only {done - before} of {events * webhooks} deliveries in {timeout} s")
    return {
        "deliveries": events * webhooks,
        "seconds": round(seconds, 3),
        "deliveries_per_s": round(events * webhooks / seconds, 1),
        "dispatch_seconds": round(dispatch_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", type=int, default=4)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()

    redis_port, receiver_port = _free_port(), _free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["REDIS_URL"] = redis_url
    os.environ["WEBHOOKS_QUEUE"] = QUEUE
    os.environ["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = "true"
    redis = start_redis(redis_port)
    receiver = worker = None
    try:
        use_bench_database(DATABASE)
        receiver = start_receiver(receiver_port)
        reset()
        subscribe(count=args.webhooks, url=f"http://127.0.0.1:{receiver_port}/hook")
        worker = start_worker(redis_url=redis_url, threads=args.threads)
        wait_worker()
        warm = run_round(events=25, webhooks=args.webhooks, start=0, timeout=args.timeout)
        measured = run_round(events=args.events, webhooks=args.webhooks, start=25, timeout=args.timeout)

        from django.db.models import Max

        from lookup.models import WebhookDelivery

        durations = sorted(
            WebhookDelivery.objects.filter(event_kind="record.published").values_list(
                "duration_ms", flat=True
            )
        )
        attempts = WebhookDelivery.objects.aggregate(m=Max("attempts"))["m"]
        result = {
            "what": "webhook deliveries per second to a receiver on 127.0.0.1, through the real task path",
            "path": (
                "webhooks_dispatch in the bench process -> one task per delivery on Redis -> a real Celery "
                f"worker (--pool=threads --concurrency={args.threads}) -> address check, HMAC-SHA256 "
                "signature, POST, outcome recorded in PostgreSQL"
            ),
            "webhooks": args.webhooks,
            "events": args.events,
            "warm_up": warm,
            **measured,
            "post_ms": {
                "p50": durations[len(durations) // 2],
                "p99": durations[int(len(durations) * 0.99) - 1],
            },
            "max_attempts_seen": attempts,
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average_at_end": os.getloadavg(),
            },
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        for process in (worker, receiver, redis):
            if process is not None:
                stop(process)


if __name__ == "__main__":
    main()
