"""The API takes text as JSON strings, as its schema says (``type: string``).

DRF's ``CharField`` turns a JSON number into text (``{"comment": -90962}`` is read as ``"-90962"``):
a request the schema calls invalid was accepted, and a client that sent a number where text belongs
never learned of its mistake (``make fuzz`` found it: schemathesis' ``negative_data_rejection``).
Every text field of the API, ``CharField`` and the fields built on it (``RegexField``, ``EmailField``,
``SlugField``, ``URLField``…, the project's ``SentTextField`` and ``USCCField``), now refuses anything
but a string with DRF's own message ("Not a valid string."), a 400 that names the field.

Query parameters and form fields always arrive as strings, so only JSON bodies meet the difference.
The API is the only reader of these fields (file imports and partner feeds are read by their own
code), so nothing else changes. Installed once, from ``RegistryConfig.ready``.
"""

from __future__ import annotations

from rest_framework import fields

_installed = False


def install() -> None:
    """Make ``CharField`` (and every field built on it) refuse a value that is not a string."""
    global _installed
    if _installed:
        return
    lenient = fields.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    fields.CharField.to_internal_value = to_internal_value
    _installed = True
