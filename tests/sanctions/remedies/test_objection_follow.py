"""Following an objection: the "track an objection" form (reference and key), the follow-up page at
its reference alone, the redirect after filing that shows the key once, and the limits on tries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from sanctions.models import Objection
from sanctions.remedies import objections

pytestmark = [pytest.mark.django_db]
KEY_SHOWN = re.compile(r'id="objection-key" class="code">([^<]+)<')


@pytest.fixture
def filed(old_fine):
    """An objection filed by someone else (another browser): its reference and key."""
    objection, key = objections.objection_submit(
        objector_name="李四", contact="li@example.com", reason="该处罚已被法院判决撤销。", record=old_fine
    )
    return objection, key


def html(response) -> str:
    return response.content.decode()


def follow_url(objection) -> str:
    return reverse("remedies:follow", args=[objection.reference])


def without_reference(page: str, reference: str) -> str:
    """The page with the reference and the CSRF token taken out, to compare two answers."""
    page = page.replace(reference, "REF")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


# -- the reference alone ----------------------------------------------------------------------------------
def test_the_reference_alone_shows_the_tracking_form_not_a_404(client, filed):
    objection, _key = filed
    response = client.get(follow_url(objection))
    assert response.status_code == 200
    page = html(response)
    assert 'id="track-form"' in page and 'id="needs-key"' in page
    assert f'value="{objection.reference}"' in page  # the reference is filled in
    assert (
        objection.decide_by.isoformat() not in page and "李四" not in page
    )  # nothing about it without the key


def test_a_reference_that_does_not_exist_gets_the_same_page(client, filed):
    objection, _key = filed
    known = client.get(follow_url(objection))
    unknown_reference = "YY20250101ABCDEF"
    unknown = client.get(reverse("remedies:follow", args=[unknown_reference]))
    assert unknown.status_code == known.status_code == 200
    assert without_reference(html(unknown), unknown_reference) == without_reference(
        html(known), objection.reference
    )


# -- the tracking form ------------------------------------------------------------------------------------
def test_the_tracking_form_opens_the_objection_with_reference_and_key(client, filed):
    objection, key = filed
    assert client.get(reverse("remedies:track")).status_code == 200
    response = client.post(reverse("remedies:track"), {"reference": objection.reference, "key": key})
    assert response.status_code == 303 and response["Location"] == follow_url(objection)
    assert key not in response["Location"]  # the key never goes into an address
    page = client.get(follow_url(objection))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'id="deadlines"' in html(page) and objection.decide_by.isoformat() in html(page)
    assert key not in html(page)  # only shown right after filing


def test_the_reference_may_be_typed_in_lower_case_full_width_or_with_spaces(client, filed):
    objection, key = filed
    spaced = " ".join(objection.reference.lower())
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in objection.reference)
    for typed in (spaced, full_width):
        response = Client().post(reverse("remedies:track"), {"reference": typed, "key": f" {key} "})
        assert response.status_code == 303, typed


def test_a_wrong_key_and_an_unknown_reference_get_the_same_clear_message(client, filed):
    objection, key = filed
    client.cookies["django_language"] = "en"  # the visitor chose English
    wrong_key = client.post(reverse("remedies:track"), {"reference": objection.reference, "key": key + "x"})
    unknown = client.post(reverse("remedies:track"), {"reference": "YY20250101ABCDEF", "key": key})
    assert wrong_key.status_code == unknown.status_code == 400
    assert "No objection has this reference and key." in html(wrong_key)
    assert without_reference(html(wrong_key), objection.reference).replace(
        key + "x", "KEY"
    ) == without_reference(html(unknown), "YY20250101ABCDEF").replace(key, "KEY")
    assert client.get(follow_url(objection)).status_code == 200
    assert 'id="needs-key"' in html(client.get(follow_url(objection)))  # still not opened


def test_both_fields_are_required(client):
    response = client.post(reverse("remedies:track"), {"reference": "", "key": ""})
    assert response.status_code == 400
    assert 'id="id_reference_errors"' in html(response) and 'id="id_key_errors"' in html(response)


def test_tries_are_limited_per_client(client, settings, filed):
    settings.OBJECTION_FOLLOW_RATE = "3/hour"
    objection, key = filed
    url = reverse("remedies:track")
    tries = [client.post(url, {"reference": objection.reference, "key": f"guess{i}"}) for i in range(4)]
    assert [t.status_code for t in tries] == [400, 400, 400, 429]
    assert int(tries[-1]["Retry-After"]) > 0
    # Even the right key waits: guessing must not go on from the same address.
    assert client.post(url, {"reference": objection.reference, "key": key}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9").post(url, {"reference": objection.reference, "key": key})
    assert other.status_code == 303


def test_a_link_with_the_key_is_checked_and_the_key_leaves_the_address(client, filed):
    objection, key = filed
    response = client.get(follow_url(objection) + f"?key={key}")
    assert response.status_code == 303 and response["Location"] == follow_url(objection)
    assert 'id="deadlines"' in html(client.get(follow_url(objection)))
    stranger = Client()
    assert stranger.get(follow_url(objection) + "?key=wrong").status_code == 400
    assert 'id="needs-key"' in html(stranger.get(follow_url(objection)))


# -- filing: post/redirect/get ----------------------------------------------------------------------------
def test_after_filing_the_follow_up_page_shows_reference_and_key_once(
    client, old_fine, enterprise, media_root
):
    response = client.post(
        reverse("remedies:object-record", args=[old_fine.pk]),
        {"objector_name": "李四", "contact": "13800138000", "reason": "金额有误。"},
    )
    objection = Objection.objects.get()
    assert response.status_code == 303 and response["Location"] == follow_url(objection)
    first = html(client.get(follow_url(objection)))
    key = KEY_SHOWN.search(first).group(1)
    assert f'id="objection-reference" class="code">{objection.reference}<' in first
    assert 'id="keep-key"' in first  # the warning to keep them
    assert f'href="{reverse("lookup:enterprise", args=[enterprise.uscc])}" id="back-to-enterprise"' in first
    second = html(client.get(follow_url(objection)))
    assert key not in second and 'id="keep-key"' not in second  # once
    assert 'id="deadlines"' in second  # the page itself stays open in this browser
    stranger = Client().post(reverse("remedies:track"), {"reference": objection.reference, "key": key})
    assert stranger.status_code == 303  # and the key works anywhere


# -- reachable ----------------------------------------------------------------------------------------------
def test_the_tracking_form_is_linked_from_the_portal_and_the_objection_form(client, old_fine, enterprise):
    track = reverse("remedies:track")
    assert f'href="{track}"' in html(client.get(reverse("lookup:search")))
    assert f'href="{track}"' in html(client.get(reverse("lookup:enterprise", args=[enterprise.uscc])))
    assert f'href="{track}" id="track-link"' in html(
        client.get(reverse("remedies:object-record", args=[old_fine.pk]))
    )
