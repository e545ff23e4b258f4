"""Bulk open data: the complete public dataset as signed, gzip-compressed CSV and JSON Lines files,
with daily deltas (docs/open-data.md).

``datasets`` says what each file holds (through the public selectors and masking), ``export`` writes
and publishes an export, ``store`` reads the published ones for the download page, and ``verify``
checks an export offline. ``verify`` imports nothing from Django, so that anyone may run it on a
downloaded copy; this package's ``__init__`` therefore imports nothing either.
"""
