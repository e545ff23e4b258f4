"""The public API's rate limit: per developer key when one is sent, else per client address."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from registry import throttling

from ..models import DeveloperKey


class PublicApiThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        key = request.auth if isinstance(request.auth, DeveloperKey) else None
        if key is not None:
            bucket, rate = f"api-key:{key.pk}", throttling.Rate(key.requests_per_minute, 60)
        else:
            bucket, rate = f"api-anon:{throttling.client_ip(request)}", throttling.api_anon_rate()
        self._wait = throttling.hit(bucket, rate)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
