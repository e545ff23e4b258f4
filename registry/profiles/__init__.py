"""Public profiles: each enterprise's credit page body, rendered ahead of its first view.

A national registry is read in its long tail: most views of a credit page are the first that day,
which no cache has seen. A *public profile* is that page's body as the portal renders it, in each
language, written ahead of time (``lookup.profiles`` renders them; this package only stores them,
so that every layer's services can invalidate them). A first view then reads one row.

A profile is never stale:

- **Changes.** Every service that changes what is public about an enterprise calls
  ``registry.cache.enterprise_changed``, inside its transaction; that calls ``profiles_invalidate``,
  which empties the profile and raises its ``version`` in the same transaction. A builder reads the
  version before the data and writes the body only where the version is still the one it read
  (``profile_store``), so a body rendered from data that changed meanwhile is never stored.
- **Time.** A record or a listing enters or leaves public view at midnight of a date the data
  holds (a decision date, the end of publicity, a listing's start or end). A profile carries the
  last day it is right for (``valid_until``: the day before the next such date, at most
  ``PUBLIC_PROFILE_MAX_DAYS`` ahead) and is not read after it.
- **Reference data and code.** Names a page shows but other tables hold (agencies, lists,
  publicity rules, rating models, divisions) raise the *epoch* when saved; a new deployment whose
  rendering differs has another *format*. A profile of another epoch or format is not read.

Readers fall back to rendering the page from the database whenever a profile is missing or not
valid, so an invalid profile costs speed, never correctness. ``manage.py profiles_build`` (nightly,
and on commit for changed enterprises) writes them; ``manage.py profiles_verify`` renders a sample
again and fails on any difference.
"""
