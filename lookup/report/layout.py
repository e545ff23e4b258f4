"""The credit report as an A4 PDF: the Chinese font embedded, the QR code that verifies it, every
public record in its section."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from qrcode.constants import ERROR_CORRECT_M

from lookup.masking import SECTION_KINDS, section_title, with_labels

TITLE_ZH = "公共信用信息概要"
FONT_NAME = "WQYMicroHei"
FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttf"


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))  # embedded as a subset
    return FONT_NAME


def qr_png(url: str) -> bytes:
    """The QR code printed on a report, as a PNG (error correction level M)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def render_pdf(content: dict[str, Any], *, checksum: str, url: str) -> bytes:
    """The report as an A4 PDF with the Chinese font embedded, in the language of ``content``."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from registry.choices import DataSource, EnterpriseStatus, EntityType, Industry

    font = _register_font()
    with translation.override(content["language"]):
        base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
        small = ParagraphStyle(
            "small", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#57606a")
        )
        title = ParagraphStyle("title", parent=base, fontSize=20, leading=26, alignment=TA_CENTER)
        subtitle = ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=11,
            leading=15,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#57606a"),
        )
        heading = ParagraphStyle(
            "heading",
            parent=base,
            fontSize=12.5,
            leading=18,
            spaceBefore=8,
            spaceAfter=4,
            textColor=colors.HexColor("#b3261e"),
        )
        label_style = ParagraphStyle("label", parent=base, textColor=colors.HexColor("#57606a"))

        def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
            return Paragraph(escape("—" if text in (None, "") else str(text)).replace("\n", "<br/>"), style)

        def facts_table(rows: list[tuple[str, Any]], widths=(42 * mm, 128 * mm)) -> Table:
            table = Table([[p(k, label_style), p(v)] for k, v in rows], colWidths=widths)
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            return table

        ent = content["enterprise"]
        issued_local = timezone.localtime(dt.datetime.fromisoformat(content["issued_at"]))
        story: list = []
        subtitle_text = _("Public credit information summary")  # the title again, in the reader's language
        header_left = [
            Paragraph(TITLE_ZH, title),
            *([Paragraph(escape(subtitle_text), subtitle)] if subtitle_text != TITLE_ZH else []),
            Spacer(1, 4 * mm),
            facts_table(
                [
                    (_("Report number"), content["number"]),
                    (_("Time of issue"), issued_local.strftime("%Y-%m-%d %H:%M:%S %z")),
                    (_("Enterprise"), ent["name"]),
                    (_("Unified social credit code"), ent["uscc"]),
                ],
                widths=(34 * mm, 92 * mm),
            ),
        ]
        qr = Image(io.BytesIO(qr_png(url)), width=38 * mm, height=38 * mm)
        header = Table(
            [[header_left, [qr, p(_("Scan to verify this report"), small)]]], colWidths=(128 * mm, 42 * mm)
        )
        header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [header, Spacer(1, 2 * mm)]
        story.append(p(_("Verify at:") + " " + url, small))

        # Worded, in the report's language, from what the report lists (sanctions.lists.standing).
        story.append(p(_("Credit standing"), heading))
        story.append(p(content["standing"]["summary"]))

        story.append(p(_("Registration information"), heading))
        capital = ent["registered_capital"]
        rows = [
            (_("Name"), ent["name"]),
            (_("Unified social credit code"), ent["uscc"]),
            (_("Registration status"), _choice_label(EnterpriseStatus, ent["status"])),
            (_("Legal representative"), ent["legal_representative"]),
            (_("Entity type"), _choice_label(EntityType, ent["entity_type"])),
            (
                _("Registered capital"),
                _("%(amount)s × 10,000 yuan") % {"amount": capital} if capital else None,
            ),
            (_("Date of establishment"), ent["established_on"]),
            (_("Domicile"), ent["domicile"]),
            (_("Registration authority"), ent["registration_authority"]),
            (
                _("Administrative division"),
                f"{ent['division_code']} · {ent['division_name']}"
                if ent["division_name"]
                else ent["division_code"],
            ),
            (_("Industry"), _choice_label(Industry, ent["industry"]) if ent["industry"] else None),
        ]
        if ent["former_names"]:
            rows.append((_("Former names"), "、".join(ent["former_names"])))
        for key, label in (
            ("registration_number", _("Business registration number")),
            ("organization_code", _("Organisation code")),
            ("tax_number", _("Tax registration number")),
        ):
            if ent[key]:
                rows.append((label, ent[key]))
        story.append(facts_table(rows))
        story.append(p(_("Source:") + " " + _choice_label(DataSource, ent["source"]), small))
        # --- regdetails ---
        story += _registration_details(content.get("registration_details") or {}, p, heading, facts_table)
        # --- end regdetails ---

        for kind in SECTION_KINDS:
            items = content["records"].get(kind.value, [])
            title_para = p(f"{section_title(kind)} ({len(items)})", heading)
            if not items:
                story.append(KeepTogether([title_para, p(_("None."), small)]))
            for index, fields in enumerate(items):
                block = [_record_table(with_labels(fields), p, facts_table), Spacer(1, 3 * mm)]
                # A heading never stays alone at the foot of a page.
                story.append(KeepTogether(([title_para] if index == 0 else []) + block))

        # --- annual ---
        annual = content.get("annual_reports")
        if annual is not None:  # reports issued before annual reports were shown have no such key
            title_para = p(f"{_('Annual reports')} ({len(annual)})", heading)
            if not annual:
                story.append(KeepTogether([title_para, p(_("No annual report filed."), small)]))
            for index, report in enumerate(annual):
                block = [_annual_report_table(report, facts_table), Spacer(1, 3 * mm)]
                story.append(KeepTogether(([title_para] if index == 0 else []) + block))
        # --- end annual ---

        listings = content.get("listings", [])
        title_para = p(f"{_('Lists')} ({len(listings)})", heading)
        if not listings:
            story.append(KeepTogether([title_para, p(_("Not on any list."), small)]))
        for index, entry in enumerate(listings):
            block = [_listing_table(entry, facts_table), Spacer(1, 3 * mm)]
            story.append(KeepTogether(([title_para] if index == 0 else []) + block))

        story.append(Spacer(1, 4 * mm))
        story.append(
            p(
                _(
                    "This summary lists the public credit information held by the registry at the time of issue: "
                    "records outside their publicity period, revoked or replaced records and records not open to the "
                    "public are not included. A natural person who is a party is named only in part; identity numbers "
                    "and phone numbers are never shown, not even in the text of a decision. Scan the QR code or open "
                    "the address above to check that this report is genuine; "
                    "the verification page also checks an uploaded copy of this file."
                ),
                small,
            )
        )

        footer = _("Report %(number)s · content SHA-256 %(checksum)s · page %(page)s")
        number = content["number"]

        def on_page(canvas, doc):
            canvas.saveState()
            canvas.setFont(font, 7)
            canvas.setFillColor(colors.HexColor("#57606a"))
            canvas.drawString(
                20 * mm, 10 * mm, footer % {"number": number, "checksum": checksum, "page": doc.page}
            )
            canvas.restoreState()

        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=16 * mm,
            bottomMargin=18 * mm,
            title=f"{TITLE_ZH} {number}",
            author=_("Corporate credit registry"),
            subject=ent["name"],
            creator="credit-registry",
        )
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _annual_report_table(report: dict[str, Any], facts_table):
    from registry.annual_reports.rules import OPTIONAL_FIELDS
    from registry.choices import AnnualReportStatus

    filed = report["first_filed_on"] or ""
    for day in report["corrected_on"]:
        filed += " · " + _("corrected on %(date)s") % {"date": day}
    if report["is_late"]:
        filed += " · " + _("Filed late")
    rows: list[tuple[str, Any]] = [
        (_("Annual report for %(year)s") % {"year": report["year"]}, filed),
        (_("State of operation"), _choice_label(AnnualReportStatus, report["operating_status"])),
        (
            _("Postal address"),
            report["address"] + (f" ({report['postal_code']})" if report["postal_code"] else ""),
        ),
        (_("Telephone"), report["phone"]),
        (_("E-mail"), report["email"] or None),
    ]
    for key, label in (
        ("subscribed_capital", _("Subscribed capital")),
        ("paid_in_capital", _("Paid-in capital")),
    ):
        if report[key] is not None:
            rows.append((label, _("%(amount)s × 10,000 yuan") % {"amount": report[key]}))
    for key, label in OPTIONAL_FIELDS.items():
        if key not in report["published_fields"]:
            rows.append((str(label), _("Not published by the enterprise")))
        elif key in ("employees", "insured_employees"):
            rows.append((str(label), str(report[key])))
        else:
            rows.append((str(label), _("%(amount)s × 10,000 yuan") % {"amount": report[key]}))
    if report["investments"]:
        rows.append(
            (
                _("Investments in other enterprises"),
                "、".join(f"{i['name']} {i['uscc']}" for i in report["investments"]),
            )
        )
    if report["websites"]:
        rows.append(
            (
                _("Websites and online shops"),
                "、".join(
                    f"{_('Online shop') if w['kind'] == 'shop' else _('Website')}: {w['name']} {w['url']}"
                    for w in report["websites"]
                ),
            )
        )
    table = facts_table(rows)
    table.setStyle(
        [("BACKGROUND", (0, 0), (-1, 0), "#eaeef2"), ("LINEABOVE", (0, 0), (-1, 0), 0.75, "#57606a")]
    )
    return table


def _listing_table(entry: dict[str, Any], facts_table):
    rows: list[tuple[str, Any]] = [
        (_("List"), entry.get("list_name_display") or entry["list_name"]),
        (_("Grounds"), entry["grounds"]),
        (_("Decided by"), f"{entry['agency']} · {entry['document_number']}"),
        (pgettext("period", "Listed"), f"{entry['start_date']} – {entry['end_date'] or _('until removed')}"),
        (_("Legal basis"), entry["legal_basis"]),
        (_("Removal conditions"), entry["removal_conditions"]),
    ]
    table = facts_table(rows)
    table.setStyle(
        [("BACKGROUND", (0, 0), (-1, 0), "#eaeef2"), ("LINEABOVE", (0, 0), (-1, 0), 0.75, "#57606a")]
    )
    return table


def _record_table(r: dict[str, Any], p, facts_table):
    rows: list[tuple[str, Any]] = [
        (_("Decision document"), " · ".join(x for x in (r["document_number"], r["document_name"]) if x))
    ]
    party = r["party_name"] + (f" ({r['party_category_display']})" if r.get("party_category_display") else "")
    rows.append((_("Party"), party))
    if r["legal_representative"]:
        rows.append((_("Legal representative"), r["legal_representative"]))
    if r["kind"] == "penalty":
        rows += [
            (_("Violation"), r["violation_type"]),
            (_("Facts"), r["violation_facts"]),
            (_("Legal basis"), r["legal_basis"]),
            (_("Penalty"), r["content"]),
        ]
        if r["fine_amount"] is not None:
            rows.append((_("Fine"), _("%(amount)s × 10,000 yuan") % {"amount": r["fine_amount"]}))
        if r["confiscated_amount"] is not None:
            rows.append(
                (_("Confiscated"), _("%(amount)s × 10,000 yuan") % {"amount": r["confiscated_amount"]})
            )
        if r["suspended_licence"]:
            rows.append((_("Suspended or revoked licence"), r["suspended_licence"]))
    elif r["kind"] == "licence":
        rows += [
            (_("Certificate"), f"{r['certificate_name']} {r['certificate_number']}".strip()),
            (_("Licence category"), r.get("licence_category_display")),
            (_("Content"), r["content"]),
            (_("Valid"), f"{r['valid_from'] or '…'} – {r['valid_to'] or '…'}"),
            (_("Licence status"), r.get("licence_status_display")),
        ]
    else:
        rows.append((_("Content"), r["content"]))
    rows += [
        (_("Decision date"), r["decision_date"]),
        (_("Deciding authority"), r["authority_name"]),
        (_("Source agency"), f"{r['agency_name']} · {_('data source unit')}: {r['source_unit_name']}"),
        (_("Public until"), r["publicity_end"] or _("while valid")),
        (_("Publicity rule"), f"{r['rule_name']} · {r['rule_legal_basis']}" if r["rule_name"] else None),
    ]
    if r["is_exempt"]:
        rows.append((_("Exempt"), _("force majeure: no credit consequence")))
    table = facts_table(rows)
    table.setStyle(
        [("BACKGROUND", (0, 0), (-1, 0), "#eaeef2"), ("LINEABOVE", (0, 0), (-1, 0), 0.75, "#57606a")]
    )
    return table


def _registration_details(details: dict, p, heading, facts_table) -> list:
    """Shareholders (natural persons masked), key personnel, branches, the parent and the latest changes."""
    from registry.details.changes import shareholder_text

    rows = []
    for parent in details.get("parents", []):
        rows.append((_("Branch of"), f"{parent['name']} ({parent['uscc']})"))
    for holder in details.get("shareholders", []):
        rows.append((_("Shareholder"), shareholder_text(holder)))
    if details.get("personnel"):
        rows.append(
            (
                _("Key personnel"),
                "、".join(f"{x['name']} ({x['role_display']})" for x in details["personnel"]),
            )
        )
    for branch in details.get("branches", []):
        rows.append((_("Branch"), f"{branch['name']} ({branch['uscc']})"))
    story = []
    if rows:
        story += [p(_("Shareholders, key personnel and branches"), heading), facts_table(rows)]
    changes = details.get("changes", [])
    if changes:
        story.append(
            p(f"{_('Change history')} ({len(changes)}/{details.get('changes_count', len(changes))})", heading)
        )
        story.append(
            facts_table(
                [
                    (f"{c['changed_on']} {c['item_display']}", f"{c['before_text']} → {c['after_text']}")
                    for c in changes
                ]
            )
        )
    return story
