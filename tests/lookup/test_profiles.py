"""Public profiles (lookup/profiles/, registry/profiles/): a credit page's body rendered ahead of
its first view, read as one row, and never shown once it differs from the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lookup import profiles
from lookup import views as lookup_views
from lookup.profiles import format as profiles_format
from lookup.profiles import signals as profiles_signals
from registry.models import Agency, PublicProfile
from registry.profiles.store import profile_versions, profiles_invalidate
from registry.services import agency_update, enterprise_update
from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]


def view(client, enterprise, language="zh-hans") -> str:
    cache.clear()  # a first view: no page kept anywhere
    lookup_views._LOCAL_PAGES.clear()
    cookie = {"HTTP_COOKIE": f"django_language={language}"} if language == "en" else {}
    response = client.get(f"/enterprises/{enterprise.uscc}/", **cookie)
    assert response.status_code == 200
    return response.content.decode()


def live(client, enterprise, settings, language="zh-hans") -> str:
    """The page rendered from the database (profiles off)."""
    settings.PUBLIC_PROFILES = False
    try:
        return view(client, enterprise, language)
    finally:
        settings.PUBLIC_PROFILES = True


def test_a_first_view_reads_the_profile_as_one_row_and_shows_the_same_page(
    client, publish, settings, django_assert_num_queries
):
    settings.PUBLIC_PROFILE_CHECK = False
    enterprise = EnterpriseFactory()
    publish(enterprise, document_number="PROFILE-1")
    assert profiles.profiles_build([enterprise.id]).stored == 1
    for language in ("zh-hans", "en"):
        expected = live(client, enterprise, settings, language)
        client.get("/healthz")
        with django_assert_num_queries(1):
            shown = view(client, enterprise, language)
        assert shown == expected and "PROFILE-1" in shown
    stored = PublicProfile.objects.get(pk=enterprise.id)
    assert len(stored.body_zh) < 4000  # compressed against the page's frame


@pytest.mark.parametrize("change", ["publish", "revoke", "enterprise_update"])
def test_a_change_through_a_service_is_never_shown_from_an_older_profile(
    client, publish, settings, reviewer, registry_admin, change
):
    settings.PUBLIC_PROFILE_CHECK = False
    enterprise = EnterpriseFactory()
    record = publish(enterprise, document_number="BEFORE-1")
    profiles.profiles_build([enterprise.id])
    before = view(client, enterprise)
    assert "BEFORE-1" in before
    if change == "publish":
        publish(enterprise, document_number="AFTER-1")
    elif change == "revoke":
        services.record_revoke(actor=reviewer, record=record, reason="决定已被撤销")
    else:
        enterprise_update(actor=registry_admin, enterprise=enterprise, data={"name": "杭州改名后有限公司"})
    assert profiles.profile_body(enterprise.uscc) is None  # emptied in the change's transaction
    after = view(client, enterprise)
    assert after == live(client, enterprise, settings) and after != before
    profiles.profiles_build([enterprise.id])  # rendered again (on commit, by the worker)
    assert view(client, enterprise) == after


def test_a_profile_is_not_read_after_the_day_a_record_leaves_public_view(client, publish, settings):
    enterprise = EnterpriseFactory()
    today = timezone.localdate()
    record = publish(enterprise, document_number="ENDS-1")
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=today + dt.timedelta(days=3))
    other = EnterpriseFactory()
    assert profiles.valid_until([enterprise.id, other.id], today=today) == {
        enterprise.id: today + dt.timedelta(days=2),
        other.id: today + dt.timedelta(days=profiles.max_days()),
    }
    profiles.profiles_build([enterprise.id], today=today)
    assert profiles.profile_body(enterprise.uscc, today=today + dt.timedelta(days=2)) is not None
    assert profiles.profile_body(enterprise.uscc, today=today + dt.timedelta(days=3)) is None
    # A record decided in the future ends the profile the day before it becomes public.
    later = publish(EnterpriseFactory(), document_number="LATER-1")
    CreditRecord.objects.filter(pk=later.pk).update(decision_date=today + dt.timedelta(days=5))
    assert profiles.valid_until([later.enterprise_id], today=today)[
        later.enterprise_id
    ] == today + dt.timedelta(days=4)


def test_a_body_rendered_from_data_read_before_a_change_is_not_stored(publish):
    enterprise = EnterpriseFactory()
    versions = profile_versions([enterprise.id])
    profiles_invalidate([enterprise.id])  # a change commits while the body is rendered
    bodies = profiles.render_bodies(enterprise.uscc, today=timezone.localdate())
    from registry.profiles.store import profile_store

    stored = profile_store(
        enterprise_id=enterprise.id,
        version=versions[enterprise.id],
        format=profiles.profile_format(),
        epoch=1,
        valid_until=timezone.localdate(),
        body_zh=profiles.compress(bodies["zh-hans"], "zh-hans"),
        body_en=profiles.compress(bodies["en"], "en"),
    )
    assert stored is False and profiles.profile_body(enterprise.uscc) is None
    # The builder reads the version first, so its next run stores it.
    assert profiles.profiles_build([enterprise.id]).stored == 1
    assert profiles.profile_body(enterprise.uscc) is not None


def test_renaming_an_agency_retires_every_profile(client, publish, registry_admin, market_agency, settings):
    enterprise = EnterpriseFactory()
    publish(enterprise, document_number="AGENCY-1")
    profiles.profiles_build([enterprise.id])
    assert profiles.profile_body(enterprise.uscc) is not None
    Agency.objects.filter(pk=market_agency.pk).update(publicity_system="")  # no shown field saved: kept
    market_agency.refresh_from_db()
    market_agency.save(update_fields=["publicity_system"])
    assert profiles.profile_body(enterprise.uscc) is not None
    agency_update(actor=registry_admin, agency=market_agency, data={"name": "杭州市市场监督管理局（新）"})
    assert profiles.profile_body(enterprise.uscc) is None
    assert enterprise.id in profiles.profiles_due()  # the nightly job renders it again
    assert "杭州市市场监督管理局（新）" in view(client, enterprise)


def test_a_profile_of_another_format_is_not_read(monkeypatch):
    enterprise = EnterpriseFactory()
    profiles.profiles_build([enterprise.id])
    assert profiles.profile_body(enterprise.uscc) is not None
    monkeypatch.setitem(profiles_format._memo, "format", "another-deployment")
    assert profiles.profile_body(enterprise.uscc) is None
    assert enterprise.id in profiles.profiles_due()


def test_profiles_verify_names_a_profile_that_differs_from_its_page(capsys):
    kept, tampered = EnterpriseFactory(), EnterpriseFactory()
    call_command("profiles_build")
    call_command("profiles_verify", "--sample", "10")
    assert "all equal" in capsys.readouterr().out
    PublicProfile.objects.filter(pk=tampered.pk).update(
        body_zh=profiles.compress("<p>not the page</p>", "zh-hans")
    )
    with pytest.raises(CommandError, match="1 differences"):
        call_command("profiles_verify", "--sample", "10")
    err = capsys.readouterr().err
    assert tampered.uscc in err and kept.uscc not in err


def test_the_suites_oracle_catches_a_change_that_went_around_the_services(client, publish, settings):
    """With PUBLIC_PROFILE_CHECK (on in the test settings) a stale profile fails the view: every
    test that changes data through a service and views the page again checks the invalidation."""
    settings.PUBLIC_PROFILE_CHECK = True
    enterprise = EnterpriseFactory()
    record = publish(enterprise, document_number="ORACLE-1")
    view(client, enterprise)  # rendered, and its profile stored
    assert profiles.profile_body(enterprise.uscc) is not None
    CreditRecord.objects.filter(pk=record.pk).update(
        document_number="ORACLE-2"
    )  # no service: no invalidation
    with pytest.raises(profiles.StaleProfile):
        view(client, enterprise)


def test_the_oracle_passes_a_profile_read_just_before_a_change_committed(client, publish, settings):
    """The view reads the profile, then the check renders the page: a change committing (or a replica
    replaying it) in between shows on the page only. The profile it emptied tells the two apart."""
    settings.PUBLIC_PROFILE_CHECK = True
    enterprise = EnterpriseFactory()
    view(client, enterprise)
    before = profiles.profile_body(enterprise.uscc)
    assert before is not None
    publish(enterprise, document_number="BETWEEN-1")  # commits between the two reads
    profiles.profile_check(enterprise.uscc, before.body)  # no StaleProfile: the profile was right when read
    # The same body still current after the page changed is stale.
    PublicProfile.objects.filter(pk=enterprise.pk).update(
        built_version=F("version"), body_zh=profiles.compress(before.body, "zh-hans")
    )
    with pytest.raises(profiles.StaleProfile):
        profiles.profile_check(enterprise.uscc, before.body)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_renders_the_profile_again(publish):
    enterprise = EnterpriseFactory()
    profiles.profiles_build([enterprise.id])
    with transaction.atomic():
        publish(enterprise, document_number="COMMIT-1")
        assert profiles.profile_body(enterprise.uscc) is None
    # After the commit, the refresh task (eager here; the worker in production) rendered it again.
    profile = profiles.profile_body(enterprise.uscc)
    assert profile is not None and "COMMIT-1" in profile.body


def test_a_large_rebuild_is_shared_by_shards_that_cover_every_enterprise_once():
    enterprises = [EnterpriseFactory() for _ in range(5)]
    ids = sorted(e.id for e in enterprises)
    shards = [profiles.profiles_due(shard=(k, 3)) for k in range(3)]
    assert sorted(i for shard in shards for i in shard if i in ids) == ids
    assert not set(shards[0]) & set(shards[1])
    call_command("profiles_build", "--shard", "1/3")
    assert not [i for i in profiles.profiles_due() if i in ids and i % 3 == 1]
    assert [i for i in profiles.profiles_due() if i in ids and i % 3 != 1]
    with pytest.raises(CommandError, match="K/N"):
        call_command("profiles_build", "--shard", "two")
    with pytest.raises(CommandError, match="less than N"):
        call_command("profiles_build", "--shard", "3/3")


def test_a_division_table_sync_that_changes_a_name_retires_every_profile():
    from registry.models import Division
    from registry.reference import divisions_sync

    enterprise = EnterpriseFactory()
    profiles.profiles_build([enterprise.id])
    assert profiles.profile_body(enterprise.uscc) is not None
    assert divisions_sync() == (0, 0)  # nothing to change: the profiles stay
    assert profiles.profile_body(enterprise.uscc) is not None
    Division.objects.filter(code=enterprise.division_code).update(full_name="改名前的区划")
    divisions_sync()  # bulk writes, no post_save: the sync raises the epoch itself
    assert profiles.profile_body(enterprise.uscc) is None


def test_a_transaction_announces_everything_it_invalidated_once(django_capture_on_commit_callbacks):
    """One signal per transaction (a bulk change calls profiles_invalidate many times); a hook whose
    savepoint was rolled back is replaced by the next call's."""
    from registry.profiles.store import profiles_invalidated

    a, b, c = EnterpriseFactory.create_batch(3)
    sent: list[list[int]] = []

    def receiver(sender, enterprise_ids, **kwargs):
        sent.append(list(enterprise_ids))

    profiles_invalidated.connect(receiver, dispatch_uid="test-announce")
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            profiles_invalidate([b.id])
            profiles_invalidate([a.id, b.id])
        assert len(callbacks) == 1 and sent == [sorted([a.id, b.id])]
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                profiles_invalidate([c.id])
                raise RuntimeError
            profiles_invalidate([a.id])
        assert len(callbacks) == 1 and sent == [[a.id]]
    finally:
        profiles_invalidated.disconnect(dispatch_uid="test-announce")


def test_without_a_worker_a_large_change_made_in_small_calls_is_not_rendered_inline(
    django_capture_on_commit_callbacks, monkeypatch
):
    """Eager Celery (no worker): a change of more than a refresh chunk is left to the nightly job, even
    when it invalidated its enterprises a few at a time (a seed's or an import's chunk)."""
    monkeypatch.setattr(profiles_signals, "REFRESH_CHUNK", 2)
    enterprises = EnterpriseFactory.create_batch(3)
    ids = [e.id for e in enterprises]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for enterprise_id in ids:
            profiles_invalidate([enterprise_id])
    assert not PublicProfile.objects.filter(enterprise_id__in=ids, built_version__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        profiles_invalidate(ids[:2])  # within a chunk: rendered at once
    assert PublicProfile.objects.filter(enterprise_id__in=ids[:2], built_version__isnull=False).count() == 2


def test_the_format_digests_files_that_exist_and_every_file_of_a_package_named():
    # A source named by a path that no longer exists digested as "-": when credit_page.py became a
    # package, the format would silently have stopped covering the credit page's code.
    files = profiles_format.source_files()
    assert files and all(path.is_file() for path in files)
    names = {path.relative_to(settings.BASE_DIR).as_posix() for path in files}
    for package in ("lookup/credit_page", "lookup/profiles"):
        on_disk = {
            p.relative_to(settings.BASE_DIR).as_posix() for p in (settings.BASE_DIR / package).rglob("*.py")
        }
        assert on_disk and on_disk <= names, package
    assert "lookup/credit_page/query.py" in names
