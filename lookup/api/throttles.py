"""The public API's rate limit: per developer key when one is sent, else per client address.

A developer key's quota is counted exactly (one round trip to Redis a request). A keyless reader is
counted as the portal's pages are (``throttling.hit_batched``): in the worker, added to Redis every
``PUBLIC_API_ANON_RATE_SYNC_SECONDS``, so most requests make no round trip and the limit holds to
within what the other workers let through in one interval."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from registry import throttling

from ..models import DeveloperKey


class PublicApiThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        key = request.auth if isinstance(request.auth, DeveloperKey) else None
        if key is not None:
            self._wait = throttling.hit(f"api-key:{key.pk}", throttling.Rate(key.requests_per_minute, 60))
        else:
            self._wait = throttling.hit_batched(
                f"api-anon:{throttling.client_ip(request)}",
                throttling.api_anon_rate(),
                throttling.api_anon_rate_sync_seconds(),
            )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
