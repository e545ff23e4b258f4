"""Registration details beyond the enterprise's own columns: shareholders and their contributions,
key personnel, branches and the change history (变更记录), as GSXT publishes them.

- ``validation``: one set of rules for the services and the file import;
- ``changes``: the change history written by every service that changes a registration fact, and
  how an entry is worded and masked for the public;
- ``services``: the writes (``shareholder_add`` …, ``personnel_set``, ``branch_link`` …);
- ``public``: what a citizen sees (natural-person shareholders masked), for the credit page, the
  public API and the PDF report.
"""
