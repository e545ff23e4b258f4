"""Shareholders, key personnel, branches and the change history: the services, their rules and the
history every change of a registration fact leaves."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry import services
from registry.choices import ChangeItem, EnterpriseStatus
from registry.details.changes import public_change
from registry.models import AuditEntry, Branch, EnterpriseChange, EnterpriseFormerName, Shareholder
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def company():
    return EnterpriseFactory(name="杭州西湖明亮科技有限公司", registered_capital=Decimal("500"))


def history(enterprise, item=None):
    rows = EnterpriseChange.objects.filter(enterprise=enterprise).order_by("id")
    if item:
        rows = rows.filter(item=item)
    return [(c.item, c.before, c.after) for c in rows]


PERSON = {
    "name": "张三丰",
    "kind": "natural_person",
    "subscribed_amount": "300",
    "subscribed_on": "2030-12-31",
    "paid_in_amount": "100",
    "paid_in_on": "2020-05-01",
    "contribution_form": "货币",
}


def test_adding_a_shareholder_records_it_with_a_change_and_an_audit_entry(registry_admin, company):
    holder = services.shareholder_add(actor=registry_admin, enterprise=company, data=PERSON)

    assert holder.paid_in_amount == Decimal("100") and holder.contribution_form == "currency"
    assert history(company) == [
        (
            "shareholder",
            None,
            {
                "name": "张三丰",
                "kind": "natural_person",
                "uscc": "",
                "subscribed_amount": "300",
                "subscribed_on": "2030-12-31",
                "paid_in_amount": "100",
                "paid_in_on": "2020-05-01",
                "contribution_form": "currency",
            },
        )
    ]
    assert AuditEntry.objects.filter(action="enterprise.shareholder_add", target_id=str(company.pk)).exists()


def test_updating_and_removing_a_shareholder_keep_before_and_after(registry_admin, company):
    holder = services.shareholder_add(actor=registry_admin, enterprise=company, data=PERSON)
    services.shareholder_update(actor=registry_admin, shareholder=holder, data={"paid_in_amount": "300"})
    services.shareholder_remove(actor=registry_admin, shareholder=Shareholder.objects.get(pk=holder.pk))

    changes = history(company, ChangeItem.SHAREHOLDER)
    assert [
        (before and before["paid_in_amount"], after and after["paid_in_amount"])
        for _i, before, after in changes
    ] == [
        (None, "100"),
        ("100", "300"),
        ("300", None),
    ]
    assert not company.shareholders.exists()


def test_an_update_that_changes_nothing_leaves_no_history(registry_admin, company):
    holder = services.shareholder_add(actor=registry_admin, enterprise=company, data=PERSON)
    services.shareholder_update(actor=registry_admin, shareholder=holder, data={"paid_in_amount": "100.0"})
    assert len(history(company)) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"paid_in_amount": "400"}, "paid_in_amount", "more than the subscribed amount"),
        (
            {"subscribed_amount": "-5"},
            "subscribed_amount",
            "is not an amount in 10,000 yuan that is zero or more",
        ),
        ({"subscribed_on": "1850-01-01"}, "subscribed_on", "before 1949"),
        ({"paid_in_on": "2040-01-01"}, "paid_in_on", "future"),
        ({"kind": "enterprise"}, "uscc", "needs its unified social credit code"),
        ({"kind": "enterprise", "uscc": "91330106MA00000000"}, "uscc", "check character"),
        ({"uscc": enterprise_code(5)}, "uscc", "A natural person has no unified social credit code"),
        ({"contribution_form": "goodwill"}, "contribution_form", "is not one of"),
        ({"name": ""}, "name", "A name is required"),
    ],
)
def test_a_bad_shareholder_is_refused_with_a_message_on_its_field(
    registry_admin, company, data, field, message
):
    with pytest.raises(ValidationError) as refused:
        services.shareholder_add(actor=registry_admin, enterprise=company, data={**PERSON, **data})

    assert message in " ".join(refused.value.message_dict[field])
    assert not company.shareholders.exists() and not history(company)


def test_an_enterprise_shareholder_needs_a_valid_code(registry_admin, company):
    code = enterprise_code(77)
    holder = services.shareholder_add(
        actor=registry_admin,
        enterprise=company,
        data={"name": "杭州投资有限公司", "kind": "企业法人", "uscc": code, "subscribed_amount": "200"},
    )
    assert (holder.kind, holder.uscc) == ("enterprise", code)


def test_only_a_registry_administrator_changes_registration_details(clerk, company):
    with pytest.raises(PermissionDenied):
        services.shareholder_add(actor=clerk, enterprise=company, data=PERSON)
    with pytest.raises(PermissionDenied):
        services.personnel_set(actor=clerk, enterprise=company, people=[{"name": "李四", "role": "director"}])
    with pytest.raises(PermissionDenied):
        services.branch_link(actor=clerk, parent=company, data={"uscc": enterprise_code(9), "name": "分公司"})


def test_personnel_set_replaces_the_list_and_records_one_change(registry_admin, company):
    services.personnel_set(
        actor=registry_admin,
        enterprise=company,
        people=[{"name": "王小明", "role": "董事长"}, {"name": "李四", "role": "监事"}],
    )
    services.personnel_set(
        actor=registry_admin,
        enterprise=company,
        people=[{"name": "王小明", "role": "chair"}, {"name": "赵六", "role": "supervisor"}],
    )
    services.personnel_set(  # the same again: nothing changes
        actor=registry_admin,
        enterprise=company,
        people=[{"name": "王小明", "role": "chair"}, {"name": "赵六", "role": "supervisor"}],
    )

    assert [(p.name, p.role) for p in company.personnel.order_by("position")] == [
        ("王小明", "chair"),
        ("赵六", "supervisor"),
    ]
    changes = history(company, ChangeItem.PERSONNEL)
    assert len(changes) == 2
    assert changes[1][1] == [{"name": "王小明", "role": "chair"}, {"name": "李四", "role": "supervisor"}]


def test_bad_personnel_are_refused_person_by_person(registry_admin, company):
    with pytest.raises(ValidationError) as refused:
        services.personnel_set(
            actor=registry_admin,
            enterprise=company,
            people=[{"name": "王小明", "role": "chair"}, {"name": "", "role": "pope"}],
        )
    messages = refused.value.message_dict["personnel"]
    assert any(m.startswith("Person 2, name:") for m in messages)
    assert any(m.startswith("Person 2, role:") for m in messages)
    assert not company.personnel.exists()


def test_a_branch_is_linked_both_ways_also_when_registered_later(registry_admin, company):
    registered = EnterpriseFactory(name="杭州西湖明亮科技有限公司滨江分公司")
    later_code = enterprise_code(4321)
    services.branch_link(
        actor=registry_admin, parent=company, data={"uscc": registered.uscc, "name": registered.name}
    )
    services.branch_link(
        actor=registry_admin, parent=company, data={"uscc": later_code, "name": "明亮科技余杭分公司"}
    )

    assert Branch.objects.get(uscc=registered.uscc).branch_enterprise == registered
    assert registered.parent_links.get().parent == company
    assert Branch.objects.get(uscc=later_code).branch_enterprise is None

    later = services.enterprise_register(
        actor=registry_admin, data={"uscc": later_code, "name": "明亮科技余杭分公司"}
    )
    assert Branch.objects.get(uscc=later_code).branch_enterprise == later
    assert len(history(company, ChangeItem.BRANCH)) == 2


def test_a_branch_code_is_checked(registry_admin, company):
    with pytest.raises(ValidationError) as refused:
        services.branch_link(
            actor=registry_admin, parent=company, data={"uscc": "91330106MA00000000", "name": "x"}
        )
    assert "uscc" in refused.value.message_dict
    with pytest.raises(ValidationError) as own:
        services.branch_link(actor=registry_admin, parent=company, data={"uscc": company.uscc, "name": "x"})
    assert "cannot be its own branch" in own.value.message_dict["uscc"][0]


def test_enterprise_update_writes_one_change_per_field_and_the_renaming(registry_admin, company):
    old_name = company.name
    services.enterprise_update(
        actor=registry_admin,
        enterprise=company,
        data={
            "name": "杭州西湖光明科技有限公司",
            "status": EnterpriseStatus.SUSPENDED,
            "registered_capital": "800",
        },
    )

    assert sorted(history(company)) == [
        ("name", old_name, "杭州西湖光明科技有限公司"),
        ("registered_capital", "500", "800"),
        ("status", "in_operation", "suspended"),
    ]
    assert EnterpriseFormerName.objects.filter(enterprise=company, name=old_name).exists()


def test_adding_a_former_name_records_the_renaming_on_its_last_day(registry_admin, company):
    services.enterprise_add_former_name(
        actor=registry_admin, enterprise=company, name="杭州西湖旧名有限公司", used_until="2015-06-30"
    )
    change = EnterpriseChange.objects.get(enterprise=company)
    assert (change.item, change.before, change.after, change.changed_on) == (
        "name",
        "杭州西湖旧名有限公司",
        company.name,
        dt.date(2015, 6, 30),
    )


def test_a_natural_person_shareholder_is_masked_in_the_public_history(registry_admin, company):
    services.shareholder_add(actor=registry_admin, enterprise=company, data=PERSON)
    shown = public_change(EnterpriseChange.objects.get(enterprise=company))

    assert shown["after"]["name"] == "张*丰"
    assert "张三丰" not in shown["after_text"] and "张*丰" in shown["after_text"]
    assert shown["item_display"] == "Shareholders (contributors)"
