"""Registry services: every write, every refusal, and the audit entry each leaves."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry import services
from registry.choices import EnterpriseStatus, StaffRoleKind
from registry.models import AuditEntry, Enterprise, StaffRole
from tests.factories import UserFactory, agency_code, enterprise_code

pytestmark = [pytest.mark.django_db]

LEGACY = "91350100M0001TGQXM"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(actor, **overrides):
    data = {
        "uscc": enterprise_code(1),
        "name": "杭州西湖建设工程有限公司",
        "status": "存续",
        "registered_capital": "500万元",
        "established_on": "2015年3月9日",
    }
    data.update(overrides)
    return services.enterprise_register(actor=actor, data=data)


def test_registry_admin_registers_an_enterprise_with_derived_parts(registry_admin):
    enterprise = register(registry_admin, uscc=" " + enterprise_code(1).lower())
    assert enterprise.uscc == enterprise_code(1)
    assert enterprise.division_code == "330106"
    assert enterprise.status == EnterpriseStatus.IN_OPERATION
    assert str(enterprise.registered_capital) == "500.0000"
    assert enterprise.established_on.isoformat() == "2015-03-09"
    entry = AuditEntry.objects.get(action="enterprise.register")
    assert entry.actor == registry_admin and entry.after["uscc"] == enterprise.uscc


def test_clerk_cannot_register_an_enterprise(clerk):
    with pytest.raises(PermissionDenied):
        register(clerk)
    assert not Enterprise.objects.exists()


def test_bad_code_is_refused_with_the_expected_check_character(registry_admin):
    code = enterprise_code(1)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        register(registry_admin, uscc=wrong)
    assert f"should be “{code[17]}”" in exc.value.message_dict["uscc"][0]


def test_invalid_fields_are_all_reported_at_once(registry_admin):
    with pytest.raises(ValidationError) as exc:
        register(
            registry_admin, name="", established_on="2015-13-40", registered_capital="-5", status="unknown"
        )
    assert set(exc.value.message_dict) == {"name", "established_on", "registered_capital", "status"}
    assert not Enterprise.objects.exists() and not AuditEntry.objects.exists()


def test_duplicate_code_is_refused(registry_admin):
    register(registry_admin)
    with pytest.raises(ValidationError) as exc:
        register(registry_admin, name="Another")
    assert "already registered" in exc.value.message_dict["uscc"][0]


def test_legacy_code_needs_the_flag_and_a_reason(registry_admin):
    with pytest.raises(ValidationError):
        register(registry_admin, uscc=LEGACY)
    with pytest.raises(ValidationError) as exc:
        services.enterprise_register(
            actor=registry_admin, data={"uscc": LEGACY, "name": "福州测试有限公司"}, legacy=True
        )
    assert "legacy_reason" in exc.value.message_dict
    enterprise = services.enterprise_register(
        actor=registry_admin,
        data={"uscc": LEGACY, "name": "福州测试有限公司"},
        legacy=True,
        legacy_reason="Fujian pilot code issued before GB 32100-2015",
    )
    assert enterprise.is_legacy_code and enterprise.legacy_reason


def test_a_valid_code_cannot_be_flagged_legacy(registry_admin):
    with pytest.raises(ValidationError) as exc:
        register(registry_admin, uscc=enterprise_code(2)) if False else services.enterprise_register(
            actor=registry_admin,
            data={"uscc": enterprise_code(2), "name": "X"},
            legacy=True,
            legacy_reason="r",
        )
    assert "passes the check" in exc.value.message_dict["uscc"][0]


def test_legacy_code_must_still_be_well_formed(registry_admin):
    with pytest.raises(ValidationError):
        services.enterprise_register(
            actor=registry_admin,
            data={"uscc": "91350100M0001TGQX", "name": "X"},
            legacy=True,
            legacy_reason="r",
        )


def test_update_keeps_the_old_name_as_a_former_name_and_audits_the_change(registry_admin):
    enterprise = register(registry_admin)
    services.enterprise_update(
        actor=registry_admin, enterprise=enterprise, data={"name": "杭州西湖新建设有限公司"}
    )
    enterprise.refresh_from_db()
    assert enterprise.name == "杭州西湖新建设有限公司"
    assert list(enterprise.former_names.values_list("name", flat=True)) == ["杭州西湖建设工程有限公司"]
    entry = AuditEntry.objects.get(action="enterprise.update")
    assert entry.before == {"name": "杭州西湖建设工程有限公司"} and entry.after == {
        "name": "杭州西湖新建设有限公司"
    }


def test_update_without_changes_writes_nothing(registry_admin):
    enterprise = register(registry_admin)
    services.enterprise_update(actor=registry_admin, enterprise=enterprise, data={"name": enterprise.name})
    assert not AuditEntry.objects.filter(action="enterprise.update").exists()


def test_the_code_cannot_be_changed(registry_admin):
    enterprise = register(registry_admin)
    with pytest.raises(ValidationError) as exc:
        services.enterprise_update(
            actor=registry_admin, enterprise=enterprise, data={"uscc": enterprise_code(9)}
        )
    assert "uscc" in exc.value.message_dict


def test_clerk_cannot_update(registry_admin, clerk):
    enterprise = register(registry_admin)
    with pytest.raises(PermissionDenied):
        services.enterprise_update(actor=clerk, enterprise=enterprise, data={"name": "X"})


def test_former_name_added_and_duplicates_refused(registry_admin):
    enterprise = register(registry_admin)
    services.enterprise_add_former_name(
        actor=registry_admin,
        enterprise=enterprise,
        name="旧名有限公司",
        used_from="2001-01-01",
        used_until="2010-05-01",
    )
    with pytest.raises(ValidationError):
        services.enterprise_add_former_name(actor=registry_admin, enterprise=enterprise, name="旧名有限公司")
    with pytest.raises(ValidationError):
        services.enterprise_add_former_name(
            actor=registry_admin,
            enterprise=enterprise,
            name="另一个",
            used_from="2010-01-01",
            used_until="2001-01-01",
        )


def agency_data(**overrides):
    data = {"name": "海关总署", "uscc": agency_code(900), "level": "national", "division": "110000"}
    data.update(overrides)
    return data


def test_agency_created_and_validated(registry_admin):
    agency = services.agency_create(actor=registry_admin, data=agency_data(sectors=["F", "G"]))
    assert agency.division_id == "110000" and agency.sectors == ["F", "G"]
    with pytest.raises(ValidationError) as exc:
        services.agency_create(
            actor=registry_admin,
            data=agency_data(uscc=enterprise_code(5), level="galactic", division="999999", sectors=["Z"]),
        )
    assert set(exc.value.message_dict) == {"name", "uscc", "level", "division", "sectors"}


def test_agency_cannot_be_its_own_ancestor(registry_admin):
    parent = services.agency_create(actor=registry_admin, data=agency_data())
    child = services.agency_create(
        actor=registry_admin,
        data=agency_data(
            name="海关总署杭州海关",
            uscc=agency_code(901),
            level="municipal",
            division="330100",
            parent=parent.uscc,
        ),
    )
    with pytest.raises(ValidationError):
        services.agency_update(actor=registry_admin, agency=parent, data={"parent": child.uscc})


def test_clerk_cannot_create_an_agency(clerk):
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=clerk, data=agency_data())


def test_agency_admin_grants_roles_in_their_own_agency_only(agency_admin, market_agency, other_agency):
    newcomer = UserFactory(username="newcomer")
    role = services.staff_role_grant(
        actor=agency_admin, user=newcomer, agency=market_agency, role=StaffRoleKind.CLERK
    )
    assert role.granted_by == agency_admin
    with pytest.raises(PermissionDenied):
        services.staff_role_grant(
            actor=agency_admin, user=newcomer, agency=other_agency, role=StaffRoleKind.CLERK
        )
    with pytest.raises(PermissionDenied):
        services.staff_role_grant(actor=agency_admin, user=newcomer, role=StaffRoleKind.REGISTRY_ADMIN)


def test_a_person_holds_roles_in_one_agency_unless_a_registry_admin_grants_more(
    registry_admin, market_agency, other_agency, other_clerk
):
    other_admin = UserFactory(username="other_admin")
    StaffRole.objects.create(user=other_admin, agency=market_agency, role=StaffRoleKind.AGENCY_ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.staff_role_grant(
            actor=other_admin, user=other_clerk, agency=market_agency, role=StaffRoleKind.CLERK
        )
    assert "another agency" in exc.value.message_dict["user"][0]
    services.staff_role_grant(
        actor=registry_admin, user=other_clerk, agency=market_agency, role=StaffRoleKind.CLERK
    )
    assert other_clerk.staff_roles.count() == 2


def test_revoking_a_role_is_audited(agency_admin, clerk):
    role = clerk.staff_roles.get()
    services.staff_role_revoke(actor=agency_admin, staff_role=role)
    assert not clerk.staff_roles.exists()
    assert AuditEntry.objects.get(action="staff_role.revoke").before["user"] == "clerk"


def test_clerk_cannot_revoke_roles(clerk, reviewer):
    with pytest.raises(PermissionDenied):
        services.staff_role_revoke(actor=clerk, staff_role=reviewer.staff_roles.get())


def test_registry_admin_cannot_remove_their_own_admin_role(registry_admin):
    with pytest.raises(ValidationError):
        services.staff_role_revoke(actor=registry_admin, staff_role=registry_admin.staff_roles.get())
