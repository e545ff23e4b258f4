from __future__ import annotations

from django.db import models


class Precomputed(models.Model):
    """What a row worked out ahead of its reading holds to be read only while exactly current
    (``registry.profiles``): the version every change raises, the version it was built at, the
    reference data's epoch and the last day it is right for. Each table adds its ``format``."""

    enterprise = models.OneToOneField(
        "registry.Enterprise", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Raised by every change of what is public about the enterprise (``profiles_invalidate``).
    version = models.BigIntegerField(default=0, db_default=0)
    # The version the row was built at; it is read only while that is still ``version``.
    built_version = models.BigIntegerField(null=True)
    epoch = models.BigIntegerField(default=0, db_default=0)
    valid_until = models.DateField(null=True)

    class Meta:
        abstract = True


class PublicProfile(Precomputed):
    """One enterprise's credit page body, rendered ahead of its first view (``registry.profiles``).

    The bodies are zlib-compressed UTF-8 (``lookup.profiles``); empty while invalidated."""

    format = models.CharField(max_length=32, blank=True, default="", db_default="")
    built_at = models.DateTimeField(null=True)
    body_zh = models.BinaryField(null=True)
    body_en = models.BinaryField(null=True)

    class Meta:
        app_label = "registry"

    def __str__(self) -> str:
        return f"profile {self.enterprise_id} v{self.version}"


class PublicStanding(Precomputed):
    """What one enterprise's credit standing rests on, worked out ahead of a search page that lists
    it (``sanctions.lists.standing_facts``): its listings in force and the counts of its penalties in
    publicity. Kept as current as its profile, by the same invalidation (``profiles_invalidate``), and
    narrow (no text but the listings' names, rarely any), so that a page of results reads twenty rows
    that stay in memory instead of the records of twenty enterprises."""

    format = models.CharField(max_length=16, blank=True, default="", db_default="")
    # The listings in force, each [list code, name, English name, nature]; null when none.
    listings = models.JSONField(null=True)
    penalties = models.IntegerField(default=0, db_default=0)
    serious = models.IntegerField(default=0, db_default=0)
    exempt = models.IntegerField(default=0, db_default=0)

    class Meta:
        app_label = "registry"

    def __str__(self) -> str:
        return f"standing {self.enterprise_id} v{self.version}"


class PublicProfileEpoch(models.Model):
    """One row: raised when reference data a page shows changes (``profiles_epoch_bump``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.BigIntegerField(default=1)

    class Meta:
        app_label = "registry"

    def __str__(self) -> str:
        return f"epoch {self.epoch}"
