"""Uploads are refused on the stream, before their body is read: a real gunicorn serving the test
database answers a 250 MB import with 413 while the client is still sending it, and stores nothing.
Without the limit, the API stored a 250 MB import file and the desk refused one only after
receiving all of it."""

import io
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpResponse

from sanctions.models import ImportBatch
from tests.conftest import worker_environment
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
BIG = 250 * MB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.fixture
def server(transactional_db, tmp_path):
    """gunicorn (one sync worker, as in production) on the test database; its MEDIA_ROOT is ours."""
    port = free_port()
    media = tmp_path / "media"
    media.mkdir()
    env = worker_environment(MEDIA_ROOT=str(media), TMPDIR=str(tmp_path))
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gunicorn did not start")
        time.sleep(0.2)
    [worker] = children(process.pid)
    yield {"port": port, "media": media, "worker": worker, "tmp": tmp_path}
    process.terminate()
    process.wait(timeout=20)


def head(path: str, *, length: int | None, extra: str = "", content_type: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}", "Connection: close"]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def read_response(sock: socket.socket) -> tuple[int, dict, bytes]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    top, _sep, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _s, v in (h.partition(":") for h in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        chunks, rest = [], body
        while rest:
            size, _sep, rest = rest.partition(b"\r\n")
            if not int(size, 16):
                break
            chunks.append(rest[: int(size, 16)])
            rest = rest[int(size, 16) + 2 :]
        body = b"".join(chunks)
    return int(status_line.split()[1]), headers, body


MULTIPART = "multipart/form-data; boundary=----limit"


def test_a_250_mb_import_is_refused_before_its_body_is_read(server, market_agency):
    key = io.StringIO()
    call_command("issue_token", market_agency.uscc, "批量上报", "--days", "1", stdout=key)
    [key] = [line for line in key.getvalue().splitlines() if line.startswith("crt_")]
    before = rss_kb(server["worker"])
    for path, auth in [("/api/v1/imports/", f"Authorization: Bearer {key}\r\n"), ("/desk/imports/", "")]:
        with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as sock:
            # Only the head: the answer comes without one byte of the body.
            sock.sendall(head(path, length=BIG, extra=auth, content_type=MULTIPART))
            started = time.monotonic()
            status, headers, body = read_response(sock)
        assert status == 413, body[:300]
        assert time.monotonic() - started < 5
        if path.startswith("/api/"):
            assert headers["content-type"] == "application/json"
            detail = json.loads(body)["detail"]
        else:
            assert headers["content-type"].startswith("text/html")
            detail = body.decode()
        assert "250.0" in detail and "200.0" in detail  # what was sent, what may be sent
    assert rss_kb(server["worker"]) - before < 20_000
    assert not ImportBatch.objects.exists()
    assert not any(server["media"].rglob("*"))


def test_the_answer_comes_while_the_client_is_still_sending(server):
    """The body sent for real, 1 MB at a time: the server answers (or drops the connection) long
    before 250 MB went through, and its worker's memory does not grow with what was sent."""
    sent = 0
    answered = threading.Event()
    sock = socket.create_connection(("127.0.0.1", server["port"]), timeout=10)
    sock.sendall(head("/api/v1/imports/", length=BIG, content_type=MULTIPART))
    result: dict = {}

    def reader():
        try:
            result["response"] = read_response(sock)
        except OSError as exc:
            result["error"] = exc
        result["sent_then"] = sent
        answered.set()

    thread = threading.Thread(target=reader)
    thread.start()
    block = b"\0" * MB
    try:
        while sent < BIG and not answered.is_set():
            sock.sendall(block)
            sent += len(block)
    except OSError:
        pass  # the server closed the connection: it stopped listening to the body
    answered.wait(10)
    thread.join(10)
    sock.close()
    assert answered.is_set()
    assert result["sent_then"] < 64 * MB, f"the server read {result['sent_then']} bytes first"
    if "response" in result:
        assert result["response"][0] == 413
    assert rss_kb(server["worker"]) < 300_000


def test_a_body_without_a_length_is_refused_and_the_limits_follow_the_path(server):
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as sock:
        sock.sendall(head("/desk/imports/", length=None, content_type=MULTIPART) + b"100000\r\n")
        status, _headers, body = read_response(sock)
    assert status == 411, body[:200]
    # Objection evidence: 20 files of 10 MB at most, so 250 MB is refused …
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as sock:
        sock.sendall(head("/records/1/object/", length=BIG, content_type=MULTIPART))
        assert read_response(sock)[0] == 413
    # … while 150 MB passes the limit (and is refused for what it is: a form without its CSRF token).
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as sock:
        sock.sendall(head("/records/1/object/", length=150 * MB, content_type=MULTIPART))
        assert read_response(sock)[0] == 403
    # Anything else: UPLOAD_MAX_BYTES (10 MB) and the form fields' 2.5 MB.
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as sock:
        sock.sendall(head("/api/v1/records/", length=13 * MB, content_type="application/json"))
        assert read_response(sock)[0] == 413


def test_an_accepted_upload_still_imports_through_the_same_server(server, market_agency, tmp_path):
    key = io.StringIO()
    call_command("issue_token", market_agency.uscc, "批量上报", "--days", "1", stdout=key)
    [key] = [line for line in key.getvalue().splitlines() if line.startswith("crt_")]
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(PENALTY_HEADERS)
    writer.writerow(penalty_row(market_agency, "91330106MA2B2C3D4E", "杭市监罚〔2024〕1号"))
    data = out.getvalue().encode("utf-8-sig")
    body = (
        b'------limit\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n------limit--\r\n"
    )
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=30) as sock:
        auth = f"Authorization: Bearer {key}\r\n"
        sock.sendall(head("/api/v1/imports/", length=len(body), extra=auth, content_type=MULTIPART) + body)
        status, _headers, response = read_response(sock)
    assert status == 202, response[:500]
    assert ImportBatch.objects.count() == 1


def test_the_test_client_sees_the_same_limits(client, clerk, market_agency, settings):
    """In process too (no server): the desk's page says it in words, with nothing saved."""
    settings.RECORD_IMPORT_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(clerk)
    response = client.post(
        "/desk/imports/",
        {"file": io.BytesIO(b"x" * 3000), "agency": market_agency.pk},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "3.1\xa0KB" in page and "1000\xa0字节" in page  # what was sent, what may be sent
    assert not ImportBatch.objects.exists()


def test_a_body_longer_than_it_said_is_cut_where_the_limit_is(rf, settings):
    """Counted as it is read: a stream that yields more than its limit stops being read there."""
    from registry.uploads import UploadLimitMiddleware

    settings.UPLOAD_MAX_BYTES = 100
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    request = rf.post("/desk/", data=b"x" * 1000, content_type="application/octet-stream")
    request.META.pop("CONTENT_LENGTH")
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META.pop("wsgi.input")  # as under ASGI, which reads a chunked body

    read = {}

    def view(request):
        try:
            read["data"] = request.read()
        except OSError as exc:
            read["error"] = exc
        return HttpResponse("read")

    response = UploadLimitMiddleware(view)(request)
    assert response.status_code == 413
    assert "error" in read and "data" not in read
