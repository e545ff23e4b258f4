"""The API takes text as JSON strings, as its schema says (``type: string``).

DRF's ``CharField`` turns a JSON number into text (``{"comment": -90962}`` is read as ``"-90962"``):
a request the schema calls invalid was accepted, and a client that sent a number where text belongs
never learned of its mistake (``make fuzz`` found it: schemathesis' ``negative_data_rejection``).
Every text field of the API, ``CharField`` and the fields built on it (``RegexField``, ``EmailField``,
``SlugField``, ``URLField``…, the project's ``SentTextField`` and ``USCCField``), now refuses anything
but a string with DRF's own message ("Not a valid string."), a 400 that names the field.

An amount (``DecimalField``: a fine, registered capital) is text in the schema too, with a pattern
(``"12.5"``); a JSON number there is refused with a message that says how to send it. Exact decimals
travel as text.

Query parameters and form fields always arrive as strings, so only JSON bodies meet the difference.
The API is the only reader of these fields (file imports and partner feeds are read by their own
code), so nothing else changes. Installed once, from ``RegistryConfig.ready``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import fields, serializers

AMOUNT_AS_TEXT = _('Send this amount as text, as in "12.5": a JSON number is not taken.')

_installed = False


def install() -> None:
    """Make ``CharField`` (and every field built on it) and ``DecimalField`` refuse a value that is not
    a string."""
    global _installed
    if _installed:
        return
    lenient = fields.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    fields.CharField.to_internal_value = to_internal_value

    lenient_amount = fields.DecimalField.to_internal_value

    def amount_to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(AMOUNT_AS_TEXT, code="invalid")
        return lenient_amount(self, data)

    fields.DecimalField.to_internal_value = amount_to_internal_value
    _installed = True
