"""A person acts for an enterprise after claiming it with a one-time code and an admin's confirmation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from registry import accounts
from registry.models import AuditEntry, EnterpriseClaimCode
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def enterprise():
    return EnterpriseFactory()


def test_claim_then_confirm(registry_admin, enterprise):
    person = UserFactory(username="boss")
    claim, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    assert code not in claim.code_hash
    account = accounts.enterprise_claim(actor=person, uscc=enterprise.uscc.lower(), code=code.lower())
    assert accounts.enterprise_of(person) is None  # not before confirmation
    accounts.enterprise_account_confirm(actor=registry_admin, account=account)
    assert accounts.enterprise_of(person) == enterprise
    accounts.ensure_acts_for(person, enterprise)
    assert AuditEntry.objects.filter(action__startswith="enterprise_account.").count() == 3


def test_a_code_works_once_and_only_for_its_enterprise(registry_admin, enterprise):
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    other = EnterpriseFactory()
    with pytest.raises(ValidationError):
        accounts.enterprise_claim(actor=UserFactory(username="a"), uscc=other.uscc, code=code)
    accounts.enterprise_claim(actor=UserFactory(username="b"), uscc=enterprise.uscc, code=code)
    with pytest.raises(ValidationError):
        accounts.enterprise_claim(actor=UserFactory(username="c"), uscc=enterprise.uscc, code=code)


def test_only_registry_admins_issue_and_confirm(clerk, registry_admin, enterprise):
    with pytest.raises(PermissionDenied):
        accounts.claim_code_issue(actor=clerk, enterprise=enterprise)
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    account = accounts.enterprise_claim(actor=UserFactory(username="d"), uscc=enterprise.uscc, code=code)
    with pytest.raises(PermissionDenied):
        accounts.enterprise_account_confirm(actor=clerk, account=account)


def test_a_person_acts_for_one_enterprise(registry_admin, enterprise):
    person = UserFactory(username="e")
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    accounts.enterprise_claim(actor=person, uscc=enterprise.uscc, code=code)
    other = EnterpriseFactory()
    _, other_code = accounts.claim_code_issue(actor=registry_admin, enterprise=other)
    with pytest.raises(ValidationError):
        accounts.enterprise_claim(actor=person, uscc=other.uscc, code=other_code)


def test_revoked_account_no_longer_acts(registry_admin, enterprise):
    person = UserFactory(username="f")
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    account = accounts.enterprise_claim(actor=person, uscc=enterprise.uscc, code=code)
    accounts.enterprise_account_confirm(actor=registry_admin, account=account)
    accounts.enterprise_account_revoke(actor=registry_admin, account=account)
    with pytest.raises(PermissionDenied):
        accounts.ensure_acts_for(person, enterprise)


def test_command_prints_a_working_code(enterprise, capsys):
    call_command("issue_claim_code", enterprise.uscc)
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert EnterpriseClaimCode.objects.count() == 1
    account = accounts.enterprise_claim(actor=UserFactory(username="g"), uscc=enterprise.uscc, code=code)
    assert account.enterprise == enterprise
