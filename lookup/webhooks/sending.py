"""One HTTP POST of a delivery, to the address that was checked, within a hard deadline.

- The connection goes to ``Target.address``, the address ``addresses.resolve_target`` checked: the
  name is not resolved again, so it cannot resolve elsewhere in between (DNS rebinding). The Host
  header and, for https, the TLS server name (SNI) and the certificate check use the URL's host name.
- Redirects are never followed: a 3xx is a failed attempt like any other non-2xx answer.
- The attempt ends after ``WEBHOOKS_CONNECT_TIMEOUT_SECONDS`` to connect and
  ``WEBHOOKS_TIMEOUT_SECONDS`` in all (a watchdog closes the socket, so a receiver that trickles its
  answer a byte at a time is cut off too). Only the status line and headers are read.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from .addresses import Target

USER_AGENT = "CreditRegistry-Webhooks/1.0"
MAX_ERROR = 500


@dataclass
class Outcome:
    """What one attempt gave: the status (None if no answer came), the error, the time taken."""

    status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, *, connect_timeout: float, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._connect_timeout = connect_timeout
        self._deadline = time.monotonic() + timeout

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self._connect_timeout)
        left = self._deadline - time.monotonic()
        if left <= 0:
            sock.close()
            raise TimeoutError
        sock.settimeout(left)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def __init__(self, target: Target, **kwargs) -> None:
        super().__init__(target, **kwargs)
        self._context = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self._context.wrap_socket(self._open(), server_hostname=self.host)


def post(
    target: Target, *, body: bytes, headers: dict[str, str], connect_timeout: float, timeout: float
) -> Outcome:
    """POST ``body`` to ``target``; never raises for the receiver's faults, reports them in the outcome."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target, connect_timeout=min(connect_timeout, timeout), timeout=timeout)
    started = time.monotonic()
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    watchdog.start()
    status: int | None = None
    error = ""
    try:
        conn.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Connection": "close",
                **headers,
            },
        )
        response = conn.getresponse()
        status = response.status
        if 300 <= status < 400:
            error = (
                f"HTTP {status}: redirects are not followed (Location: {response.getheader('Location', '')})"
            )
        elif not 200 <= status < 300:
            error = f"HTTP {status} {response.reason}"
    except TimeoutError:
        error = f"timed out after {timeout:g} s"
    except ssl.SSLError as exc:
        error = f"TLS: {exc.reason or exc}"
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            error = f"timed out after {timeout:g} s"
        else:
            error = f"{exc.__class__.__name__}: {exc}".rstrip(": ")
    finally:
        watchdog.cancel()
        conn.close()
    if status is None and expired.is_set():
        error = f"timed out after {timeout:g} s"
    return Outcome(
        status=status, error=error[:MAX_ERROR], duration_ms=int((time.monotonic() - started) * 1000)
    )
