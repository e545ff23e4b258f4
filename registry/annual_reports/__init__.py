"""Annual reports (企业年度报告): the enterprise's own yearly disclosure, filed in ``/account/``.

Filing is the enterprise's act, so it lives in the registry; what follows a missing report (the
abnormal operations list) lives in ``sanctions.lists.annual_reports``. docs/annual-reports.md.
"""
