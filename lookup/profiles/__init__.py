"""Public profiles: credit page bodies rendered ahead of their first view (``registry.profiles``).

``profiles_build`` renders enterprises' bodies in every language from the same one query a page
view uses (``lookup.credit_page``) and stores them, compressed, under the version it read before
the data; ``profile_body`` is the view's read: one row, by code, only if the profile is current (its
version, this deployment's format, the reference data's epoch, and not past its last valid day).
``profiles_verify`` renders a sample again and names every difference.

- ``format``: what a body's rendering depends on (``_SOURCES``, ``PROFILE_CODE_VERSION``), digested
  into this deployment's format, and the bodies compressed against a sample page's frame;
- ``build``: the profiles rendered and stored, how long each stays right, which are due, and the
  due ones rendered in batches (the nightly job, ``manage.py profiles_build``);
- ``read``: the first view's one-row read of a current profile, and its check against the page;
- ``verify``: a random sample rendered again and compared;
- ``signals``: keeping them current: the epoch raised by a save of reference data, and changed
  enterprises queued to be rendered again on commit.
"""

from sanctions.lists.standing_facts import max_days, valid_until

from .build import BuildResult, profiles_build, profiles_build_due, profiles_due, render_bodies
from .format import COLUMNS, PROFILE_CODE_VERSION, compress, decompress, profile_format
from .read import Profile, StaleProfile, profile_body, profile_check
from .signals import connect_signals
from .verify import Difference, profiles_verify

__all__ = [
    "COLUMNS",
    "PROFILE_CODE_VERSION",
    "BuildResult",
    "Difference",
    "Profile",
    "StaleProfile",
    "compress",
    "connect_signals",
    "decompress",
    "max_days",
    "profile_body",
    "profile_check",
    "profile_format",
    "profiles_build",
    "profiles_build_due",
    "profiles_due",
    "profiles_verify",
    "render_bodies",
    "valid_until",
]
