"""Public statistics: figures over the public records, listings, remedies and ratings.

It sits at the top of the sanctions layers because it reads all of them (records, lists, remedies,
ratings); the snapshot table itself is in ``sanctions/models/statistics.py``, below everything, like
every sanctions table. ``services.statistics_refresh`` (hourly, Celery beat, and
``manage.py statistics_refresh``) aggregates them in a few SQL ``GROUP BY`` queries and replaces the
snapshot in one transaction; ``selectors`` reads it for the page, the API and the bulk files, which
never count the records themselves. The figures are defined in docs/statistics.md.
"""
