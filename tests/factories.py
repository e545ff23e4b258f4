"""factory_boy factories. Codes are generated valid (check characters computed), never made up."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from registry.choices import AgencyLevel
from registry.models import Agency, Division, Enterprise
from registry.search import search_fields
from registry.uscc import ALPHABET, make_code

_ORG = [c for c in ALPHABET if c.isdigit() or c in "ABCDEFGHJKLMNPQRTUWXY"]


def org_for(n: int) -> str:
    """Eight organisation-code characters unique for n (base 31, fixed width)."""
    chars = []
    for _ in range(8):
        n, r = divmod(n, len(_ORG))
        chars.append(_ORG[r])
    return "".join(reversed(chars))


def enterprise_code(n: int, division: str = "330106") -> str:
    return make_code(authority="9", category="1", division=division, organization="MA" + org_for(n)[2:])


def agency_code(n: int, division: str = "110000") -> str:
    return make_code(authority="1", category="1", division=division, organization="00" + org_for(n)[2:])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """Created directly (fixture data); behaviour under test goes through the services."""

    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: enterprise_code(n + 1000))
    name = factory.Sequence(lambda n: f"杭州西湖测试{n}号科技有限公司")
    division_code = factory.LazyAttribute(lambda o: o.uscc[2:8])
    legal_representative = "王小明"
    # What the services store beside the name so that search finds it.
    search_name = factory.LazyAttribute(lambda o: search_fields(o.name)["search_name"])
    search_vector = factory.LazyAttribute(lambda o: search_fields(o.name)["search_vector"])
    search_pinyin = factory.LazyAttribute(lambda o: search_fields(o.name)["search_pinyin"])


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"测试市场监督管理局{n}")
    uscc = factory.Sequence(lambda n: agency_code(n + 50))
    level = AgencyLevel.PROVINCIAL
    division = factory.LazyFunction(lambda: Division.objects.get(code="330000"))
