"""What a search request costs in instructions: the WSGI handler in process under callgrind.

    .venv/bin/python -m bench.search_instructions queries [--samples 3000]   # once, outside valgrind
    valgrind --tool=callgrind --callgrind-out-file=OUT .venv/bin/python -m bench.search_instructions \
        run ENDPOINT COUNT
    .venv/bin/python -m bench.search_instructions measure [--count 200]       # both, and the difference

Requests per second move with whatever else the machine runs; the instructions a request costs do
not. ``run`` serves ``COUNT`` requests of ``ENDPOINT`` (``hello``: ``/healthz``; ``page``:
``/search?q=…``; ``api``: ``/api/v1/public/enterprises/?q=…``) through Django's WSGI handler, as
deployed (``bench_search_http``'s settings: ``DEBUG`` off, every middleware, Redis), after the same
warm-up for every count (20 requests of each endpoint, other queries). ``measure`` runs it under
callgrind with ``COUNT`` and with 0 requests: the difference, divided by ``COUNT``, is what one
request costs this process (not PostgreSQL's backend, which callgrind does not see). The queries
are ``bench_search_http``'s mix (2, 3 and 4 characters, pinyin, code prefixes, the commonest pairs),
drawn from the database's names, each asked once.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(tempfile.gettempdir()) / "search_instructions_queries.json"
WARM = 20
PATHS = {"hello": "/healthz", "page": "/search?q=", "api": "/api/v1/public/enterprises/?q="}


def _settings() -> None:
    from bench.bench_search_http import SEARCH_SETTINGS

    workdir = Path(tempfile.gettempdir()) / f"search_instructions_{os.getuid()}"
    workdir.mkdir(exist_ok=True)
    (workdir / "search_instructions_settings.py").write_text(
        SEARCH_SETTINGS + '\nALLOWED_HOSTS = ["*"]\nPORTAL_PAGE_RATE = "100000000/min"\n'
    )
    sys.path.insert(0, str(workdir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "search_instructions_settings"


def queries(samples: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    from bench.bench_search_http import _mix, _queries

    rnd = random.Random(14)
    found = _queries(samples, rnd)
    mixed = _mix(found, samples, rnd)
    QUERIES.write_text(json.dumps({"mix": mixed, "by_kind": found}, ensure_ascii=False))
    print(f"{len(mixed)} queries in {QUERIES}")


def _environ(path: str) -> dict:
    path_info, _, query_string = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query_string,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost:8000",
        "HTTP_COOKIE": "django_language=zh-hans",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _paths(endpoint: str, items: list[str]) -> list[str]:
    if endpoint == "hello":
        return [PATHS["hello"]] * len(items)
    return [PATHS[endpoint] + urllib.parse.quote(q) for q in items]


def run(endpoint: str, count: int, profile: str | None = None) -> None:
    _settings()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    mixed = json.loads(QUERIES.read_text())["mix"]
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def serve(paths: list[str]) -> None:
        for path in paths:
            body = app(_environ(path), start_response)
            b"".join(body)
            body.close()
            assert statuses[-1].startswith("200"), (path, statuses[-1])

    for name in PATHS:  # the same warm-up whatever is measured
        serve(_paths(name, mixed[-WARM * (list(PATHS).index(name) + 1) :][:WARM]))
    chosen = _paths(endpoint, mixed[:count])
    if profile == "cpu":  # this process' CPU time a request (not PostgreSQL's): rougher, no valgrind
        import time

        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")

        def backend_cpu() -> float:  # seconds of CPU of this process' PostgreSQL backend (same host)
            fields = backend.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        started, started_backend = time.process_time(), backend_cpu()
        serve(chosen)
        ours, theirs = time.process_time() - started, backend_cpu() - started_backend
        print(
            f"{endpoint}: {ours * 1000 / max(1, count):.3f} ms of CPU a request, "
            f"and {theirs * 1000 / max(1, count):.3f} ms of its PostgreSQL backend's"
        )
    elif profile:
        import cProfile

        cProfile.runctx("serve(chosen)", globals(), {"serve": serve, "chosen": chosen}, profile)
    else:
        serve(chosen)


def _instructions(endpoint: str, count: int) -> int:
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out.name}",
                sys.executable,
                "-m",
                "bench.search_instructions",
                "run",
                endpoint,
                str(count),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for line in Path(out.name).read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("no total in callgrind's output")


def measure(count: int, endpoints: list[str]) -> None:
    results = {}
    base = _instructions("hello", 0)  # the same warm-up and nothing else, whatever the endpoint
    print(f"start-up and warm-up: {base / 1e6:.1f} M instructions", flush=True)
    for endpoint in endpoints:
        total = _instructions(endpoint, count)
        results[endpoint] = (total - base) / count
        print(f"{endpoint}: {results[endpoint] / 1e6:.3f} M instructions a request", flush=True)
    if "hello" in results:
        for endpoint in endpoints:
            if endpoint != "hello":
                print(f"hello/{endpoint}: {results['hello'] / results[endpoint]:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("queries")
    q.add_argument("--samples", type=int, default=3000)
    r = sub.add_parser("run")
    r.add_argument("endpoint", choices=PATHS)
    r.add_argument("count", type=int)
    r.add_argument("--profile")
    m = sub.add_parser("measure")
    m.add_argument("--count", type=int, default=200)
    m.add_argument("endpoints", nargs="*", default=list(PATHS))
    args = parser.parse_args()
    if args.command == "queries":
        queries(args.samples)
    elif args.command == "run":
        run(args.endpoint, args.count, args.profile)
    else:
        measure(args.count, args.endpoints)


if __name__ == "__main__":
    main()
