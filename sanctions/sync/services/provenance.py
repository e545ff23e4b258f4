"""Where a partner's copy comes from: the source platform's names, the deciding agency and the
enterprise, as rows of this platform (made when missing)."""

from __future__ import annotations

from registry.choices import AgencyLevel, DataSource
from registry.models import Agency, Division, Enterprise
from registry.services import enterprise_register, system_actor
from sanctions.models import PartnerPlatform
from sanctions.sync import validation as v
from sanctions.sync.validation import EventRejected, Reason


def _platform_names(partner: PartnerPlatform, event: dict) -> tuple[str, str]:
    """The source platform's name and English name: ours for it when it is a partner of ours,
    else what the relaying partner's payload says."""
    source = event["source_platform"]
    if source == partner.code:
        return partner.name, partner.name_en
    known = PartnerPlatform.objects.filter(code=source).values_list("name", "name_en").first()
    if known:
        return known
    payload = event["payload"]
    return (
        v.text(payload, "source_platform_name", column="source_platform_name") or source,
        v.text(payload, "source_platform_name_en", column="source_platform_name_en"),
    )


def _agency_for(event: dict, payload: dict, *, name_field: str) -> Agency:
    """This platform's agency row for the deciding agency at the source (made when missing)."""
    code = v.uscc(payload.get("agency_uscc"), "payload.agency_uscc")
    if event.get("agency") and event["agency"] != code:
        raise EventRejected(Reason.BAD_VALUE, "the event's agency differs from payload.agency_uscc")
    agency = Agency.objects.filter(uscc=code).first()
    if agency is not None:
        return agency
    name = v.text(payload, name_field, model=Agency, column="name", required=True)
    division = (
        Division.objects.filter(code=code[2:8]).first()
        or Division.objects.filter(code=code[2:4] + "0000").first()
    )
    if division is None:
        raise EventRejected(Reason.UNKNOWN_DIVISION, f"no division {code[2:8]} for agency {code}")
    if Agency.objects.filter(name=name).exists():
        name = f"{name[:170]}（{code}）"
    level = (
        AgencyLevel.PROVINCIAL
        if division.code.endswith("0000")
        else AgencyLevel.MUNICIPAL
        if division.code.endswith("00")
        else AgencyLevel.COUNTY
    )
    return Agency.objects.create(name=name, uscc=code, level=level, division=division, publicity_system="")


def _enterprise_for(partner, event: dict, payload: dict) -> Enterprise:
    code = v.uscc(event.get("enterprise"), "enterprise")
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is not None:
        return enterprise
    # A record whose enterprise was registered before the partner's feed began: registered here
    # with what the record says of it; its other facts arrive with its next enterprise event.
    return enterprise_register(
        actor=system_actor(),
        data={"uscc": code, "name": v.text(payload, "party_name", required=True)},
        source=DataSource.IMPORT,
    )
