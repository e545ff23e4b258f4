"""Valid record payloads for tests, as a clerk would fill them in."""

import datetime as dt


def penalty_data(agency, enterprise, **overrides):
    data = {
        "party_name": enterprise.name,
        "party_uscc": enterprise.uscc,
        "legal_representative": "王小明",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": "330106199001011234",
        "document_number": "杭市监罚〔2026〕101号",
        "violation_type": "虚假宣传",
        "violation_facts": "在网站发布虚假的产品功效宣传。",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_categories": ["fine"],
        "content": "罚款人民币五万元",
        "fine_amount": "5",
        "decision_date": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }
    data.update(overrides)
    return data


def licence_data(agency, enterprise, **overrides):
    data = {
        "party_name": enterprise.name,
        "party_uscc": enterprise.uscc,
        "document_name": "食品经营许可决定书",
        "document_number": "JY23301060001",
        "licence_category": "01",
        "certificate_name": "食品经营许可证",
        "certificate_number": "JY23301060001",
        "content": "预包装食品销售",
        "decision_date": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "valid_from": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "valid_to": (dt.date.today() + dt.timedelta(days=365 * 5)).isoformat(),
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }
    data.update(overrides)
    return data
