"""The API takes each value in the type its schema gives it, not in whatever DRF can coerce.

DRF is lenient where the schema is not. Schemathesis' ``negative_data_rejection`` check (``make fuzz``,
every check) found the first and the third of these in CI runs, each a request the schema calls
invalid answered 200; the second and the fourth are the same leniency, closed before a run met them:

- **Text** (``type: string``): ``CharField`` turned a JSON number into text, so
  ``{"comment": -90962}`` sent an inspection result back with the comment "-90962". ``CharField`` and
  every field built on it (``RegexField``, ``EmailField``, ``SlugField``, ``URLField``…, the project's
  ``SentTextField`` and ``USCCField``) now refuse anything but a string, with DRF's own message
  ("Not a valid string.").
- **Amounts** (``DecimalField``: a fine, registered capital) are text in the schema too, with a
  pattern (``"12.5"``), so that they travel as exact decimals: a JSON number is refused with a
  message that says how to send it.
- **Whole numbers** (``type: integer``): ``IntegerField`` took ``wait=0.0`` and ``wait=5.`` (it drops
  a trailing ``.0``), a JSON ``5.0`` and digits of other scripts (``٣``). It now takes a JSON integer,
  or text of ASCII digits with an optional minus sign (query parameters are text), and answers
  anything else with DRF's "A valid integer is required.".
- **Yes or no** (``type: boolean``): ``BooleanField`` took ``0``, ``1`` and ``1.0`` for false and true.
  It now refuses a number (DRF's "Must be a valid boolean."); it still reads ``"true"``, ``"on"``
  and the like, which a form or a multipart upload (an import's ``submit``) can only send as text.

File imports and partner feeds are read by their own code, not by these fields, so only the API's
requests meet the difference. Installed once, from ``RegistryConfig.ready``.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import fields, serializers

AMOUNT_AS_TEXT = _('Send this amount as text, as in "12.5": a JSON number is not taken.')
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")

_installed = False


def install() -> None:
    """Make the API's text, amount, whole-number and yes-or-no fields take only values of their
    schema's type."""
    global _installed
    if _installed:
        return

    lenient_text = fields.CharField.to_internal_value

    def text(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient_text(self, data)

    lenient_amount = fields.DecimalField.to_internal_value

    def amount(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(AMOUNT_AS_TEXT, code="invalid")
        return lenient_amount(self, data)

    lenient_whole = fields.IntegerField.to_internal_value

    def whole_number(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and _WHOLE_NUMBER.fullmatch(data))
        ):
            self.fail("invalid")
        return lenient_whole(self, data)

    lenient_yes_no = fields.BooleanField.to_internal_value

    def yes_no(self, data):
        if isinstance(data, int | float) and not isinstance(data, bool):
            self.fail("invalid")
        return lenient_yes_no(self, data)

    fields.CharField.to_internal_value = text
    fields.BooleanField.to_internal_value = yes_no
    fields.DecimalField.to_internal_value = amount
    fields.IntegerField.to_internal_value = whole_number
    _installed = True
