"""What a registry says of the reports and badges it issued, run in a process of its own against a
restored database: ``python -m tests.backup_check < issued.json`` prints JSON (tests/test_backup.py).

``issued.json`` holds ``reports`` (token, PDF in base64) and ``badges`` (token). The answer holds the
verdict on each, then the verdict again with a key set that is not the registry's (as after a restore
without the keys), and ``data``: the rows the backup must have carried, as ``data_summary`` reads them.
"""

from __future__ import annotations

import base64
import json
import sys


def data_summary() -> dict:
    """The restored registry's content that a backup must carry, in a form JSON keeps unchanged."""
    from lookup.models import Badge, CreditReport
    from registry.models import AuditEntry, Enterprise
    from sanctions.models import CreditRecord, ImportBatch

    summary = {
        "enterprises": list(Enterprise.objects.order_by("uscc").values_list("uscc", "name")),
        "records": list(
            CreditRecord.objects.order_by("pk").values_list("pk", "kind", "status", "document_number")
        ),
        "reports": list(
            CreditReport.objects.order_by("number").values_list(
                "number", "sha256", "pdf_sha256", "key_id", "content"
            )
        ),
        "badges": list(
            Badge.objects.order_by("serial").values_list("serial", "token", "key_id", "expires_on")
        ),
        "imports": list(ImportBatch.objects.order_by("pk").values_list("pk", "file", "sha256", "status")),
        # The restore appends its own entry: the chain before it must be the one backed up.
        "audit": list(
            AuditEntry.objects.exclude(action="backup.restore")
            .order_by("pk")
            .values_list("pk", "action", "hash")
        ),
    }
    return json.loads(json.dumps(summary, default=str))


def verdicts(issued: dict) -> dict:
    from django.test import Client

    from lookup.badges.verification import badge_verify
    from lookup.report.services import credit_report_verify, pdf_matches

    client = Client()
    reports = []
    for report in issued["reports"]:
        verification = credit_report_verify(token=report["token"])
        page = client.get(f"/r/{report['token']}", HTTP_COOKIE="django_language=en")
        reports.append(
            {
                "genuine": verification.genuine,
                "key_id": verification.key_id,
                "number": verification.report.number if verification.report else None,
                "pdf_matches": bool(verification.report)
                and pdf_matches(verification.report, [base64.b64decode(report["pdf"])]),
                "page": page.status_code,
                "page_says_genuine": "Genuine: this credit report was issued by the registry"
                in page.content.decode(),
            }
        )
    badges = []
    for badge in issued["badges"]:
        answer = badge_verify(token=badge["token"], count=False)
        badges.append({"result": answer["result"], "key_id": answer.get("key_id")})
    return {"reports": reports, "badges": badges}


def main() -> None:
    import django

    django.setup()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.conf import settings
    from django.core.cache import cache

    from lookup import signing
    from lookup.badges import verification
    from registry.audit import audit_verify

    issued = json.load(sys.stdin)
    answer = {**verdicts(issued), "data": data_summary(), "audit_chain_ok": audit_verify().ok}
    answer["kids"] = sorted(signing.keyring().public)
    # The same tokens against a key set that is not the registry's.
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.SIGNING_KEYS, settings.SIGNING_PUBLIC_KEYS = {"other": signing.b64encode(raw)}, {}
    settings.SIGNING_CURRENT_KID = "other"
    signing.keyring.cache_clear()
    cache.clear()
    verification.local_clear()
    answer["without_the_keys"] = verdicts(issued)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
