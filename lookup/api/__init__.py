"""The public read-only API (``/api/v1/public/``): anyone may read, throttled per address or per key."""
