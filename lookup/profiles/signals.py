"""Keeping them current: a save of reference data a page shows raises the epoch, and the enterprises
a transaction changed are queued to be rendered again (on commit, by the worker).
"""

from __future__ import annotations

import logging

# The package's name, the logger's name before the package was split.
logger = logging.getLogger(__package__)


# Names a page shows that other tables hold: saving one of these fields changes every page that
# shows it, so the epoch is raised (every profile is rendered again by the nightly job meanwhile
# pages are rendered from the database). Saves of other fields (a plan's status) leave it.
_REFERENCE_FIELDS = {
    ("registry", "agency"): {"name", "uscc"},
    ("registry", "division"): {"full_name", "name", "level", "valid_until"},
    ("sanctions", "listkind"): {"name", "name_en", "nature"},
    ("sanctions", "publicityrule"): {"name", "legal_basis"},
    ("sanctions", "ratingmodel"): {"name", "name_en", "is_default"},
    ("sanctions", "inspectionplan"): {"title", "agency", "agency_id"},
}
# Changed enterprises whose profiles are rendered again at once (on commit, by the worker); a
# larger change (an import) is left to ``profiles_build`` (the nightly job, or by hand).
REFRESH_CHUNK = 500


def _reference_saved(sender, instance=None, update_fields=None, **kwargs) -> None:
    from registry.profiles.store import profiles_epoch_bump

    shown = _REFERENCE_FIELDS[(sender._meta.app_label, sender._meta.model_name)]
    if update_fields is not None and not (set(update_fields) & shown):
        return
    profiles_epoch_bump()


def _invalidated(sender, enterprise_ids: list[int], **kwargs) -> None:
    """Queue the changed enterprises' profiles to be rendered again (after the commit)."""
    from registry.background import task_by_name

    task = task_by_name("lookup.tasks.profiles_refresh")
    if task.app.conf.task_always_eager and len(enterprise_ids) > REFRESH_CHUNK:
        return  # no worker: a large change is not rendered inside the request that made it
    for start in range(0, len(enterprise_ids), REFRESH_CHUNK):
        try:
            task.delay_or_log(enterprise_ids[start : start + REFRESH_CHUNK])
        except Exception:  # noqa: BLE001 - run eagerly; the change is committed, the page renders live
            logger.warning(
                "profiles: rendering again failed; the pages render from the database", exc_info=True
            )


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from registry.profiles.store import profiles_invalidated

    for app_label, model_name in _REFERENCE_FIELDS:
        model = apps.get_model(app_label, model_name)
        post_save.connect(_reference_saved, sender=model, dispatch_uid=f"profiles-epoch-{model_name}")
        post_delete.connect(_reference_saved, sender=model, dispatch_uid=f"profiles-epoch-del-{model_name}")
    profiles_invalidated.connect(_invalidated, dispatch_uid="profiles-refresh")
