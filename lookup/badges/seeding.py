"""Demo badges: a few enterprises whose QR badges show each answer a scan can give.

北京朝阳物业服务有限公司 (its account ``chaoyang`` issues them) has a valid enterprise badge, a valid
staff badge with a photo, a revoked badge, an expired one and the badge of a staff member who has
left. 南京鼓楼安家房产经纪有限公司 (abnormal operations list), 广州白云恒兴食品有限公司 (seriously
dishonest list) and 武汉江汉洁美家政服务有限公司 (business licence revoked) each have a badge issued
while they were in good standing, which their credit data (``sanctions.seeding``) then changes:
so this runs before the credit seed. "Not genuine" is a valid badge's token with one character
changed.

Badges that time alone would make expired, or that were issued before the enterprise's later
troubles, are issued by ``services.badge_issue`` replaying the day they would have been issued on.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from lookup import signing
from lookup.models import Badge, BadgeSector, BadgeStaff
from registry.models import Enterprise
from registry.seeding import demo_data_refusal, demo_lock
from sanctions.seeding import BADGE_ENTERPRISES, SeedContext

from . import services, tokens, verification
from .selectors import enterprise_badge_standing

# The order ``seed_demo`` prints the answers in.
STATES = (
    verification.VALID,
    verification.ATTENTION,
    verification.DISHONEST,
    verification.SUSPENDED,
    verification.REVOKED,
    verification.EXPIRED,
    verification.STAFF_INACTIVE,
    verification.NOT_GENUINE,
)


def badge_issue_backdated(
    *,
    actor,
    enterprise: Enterprise,
    sector: str,
    issued_on: dt.date,
    expires_on: dt.date,
    staff: BadgeStaff | None = None,
) -> Badge:
    """A demo badge issued on an earlier day (never under production settings), through
    ``services.badge_issue`` replaying that day."""
    refusal = demo_data_refusal()
    if refusal:
        raise PermissionDenied(refusal)
    return services.badge_issue(
        actor=actor,
        enterprise=enterprise,
        sector=sector,
        staff=staff,
        issued_on=issued_on,
        expires_on=expires_on,
    )


def portrait(seed: int) -> bytes:
    """A drawn head-and-shoulders portrait (PNG) standing in for a staff member's photo."""
    from PIL import Image, ImageDraw

    colours = [(196, 214, 230), (214, 226, 204), (232, 220, 200)]
    image = Image.new("RGB", (360, 480), colours[seed % len(colours)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((105, 70, 255, 240), fill=(236, 200, 170))  # face
    draw.pieslice((95, 50, 265, 200), 180, 360, fill=(40, 36, 34))  # hair
    draw.rounded_rectangle((50, 270, 310, 520), radius=90, fill=(44, 62, 96))  # shoulders
    draw.polygon([(150, 270), (210, 270), (180, 330)], fill=(245, 245, 245))  # collar
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chaoyang(ctx: SeedContext, enterprise: Enterprise) -> None:
    account = ctx.account_for(enterprise, username="chaoyang", can_sign_in=True)
    today = ctx.today
    sector = BadgeSector.HOUSING_SERVICES
    services.badge_issue(actor=account, enterprise=enterprise, sector=sector)
    staff = services.badge_staff_register(
        actor=account,
        enterprise=enterprise,
        full_name="王建国",
        registration_number="京物业从字2023-0815",
        photo=portrait(1),
    )
    services.badge_issue(actor=account, enterprise=enterprise, sector=sector, staff=staff)
    lost = services.badge_issue(actor=account, enterprise=enterprise, sector=sector)
    services.badge_revoke(actor=account, badge=lost, reason="证件遗失，已登报声明作废")
    badge_issue_backdated(
        actor=account,
        enterprise=enterprise,
        sector=sector,
        issued_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=35),
    )
    left = services.badge_staff_register(
        actor=account,
        enterprise=enterprise,
        full_name="李秀英",
        registration_number="京物业从字2022-0412",
        photo=portrait(2),
    )
    services.badge_issue(actor=account, enterprise=enterprise, sector=sector, staff=left)
    services.badge_staff_deactivate(actor=account, staff=left)


def _one(sector: str, issued_back: int, expires_ahead: int):
    def seed(ctx: SeedContext, enterprise: Enterprise) -> None:
        badge_issue_backdated(
            actor=ctx.admin,
            enterprise=enterprise,
            sector=sector,
            issued_on=ctx.today - dt.timedelta(days=issued_back),
            expires_on=ctx.today + dt.timedelta(days=expires_ahead),
        )

    return seed


_SEEDS = {
    "chaoyang": _chaoyang,
    "attention": _one(BadgeSector.HOUSING_RENTAL, 150, 215),
    "dishonest": _one(BadgeSector.OTHER, 200, 165),
    "suspended": _one(BadgeSector.DOMESTIC_CLEANING, 300, 65),
}


def badges_seed(*, actor=None) -> int:
    """Issue the demo badges of each badge enterprise that has none yet (one transaction each); an
    enterprise no longer eligible (its credit data came first) is left without. Returns how many
    enterprises got badges."""
    ctx = SeedContext.load(actor=actor)
    made = 0
    with demo_lock():
        for key, (name, _account) in BADGE_ENTERPRISES.items():
            enterprise = Enterprise.objects.filter(name=name).first()
            if enterprise is None or Badge.objects.filter(enterprise=enterprise).exists():
                continue
            if not enterprise_badge_standing(enterprise=enterprise).eligible:
                continue
            with transaction.atomic():
                _SEEDS[key](ctx, enterprise)
            made += 1
    return made


def _altered(token: str) -> str:
    """The token with one character changed, so that its signature no longer verifies."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for at in range(len(token) // 2, len(token)):
        if token[at] not in alphabet:
            continue
        candidate = token[:at] + alphabet[(alphabet.index(token[at]) + 1) % len(alphabet)] + token[at + 1 :]
        try:
            tokens.token_read(candidate)
        except signing.BadSignature:
            return candidate
    return token[: len(token) // 2]


def demo_badge_states() -> list[tuple[str, Enterprise, str]]:
    """(answer, enterprise, scan path) for each answer a demo badge gives today, as a scan gives it
    (scans of these are not counted)."""
    names = [name for name, _account in BADGE_ENTERPRISES.values()]
    found: dict[str, tuple[Enterprise, str]] = {}
    for badge in Badge.objects.filter(enterprise__name__in=names).select_related("enterprise").order_by("pk"):
        answer = verification.badge_verify(token=badge.token, count=False)
        result = answer["result"]
        if result not in found:
            found[result] = (badge.enterprise, badge.token)
    if verification.VALID in found:
        enterprise, token = found[verification.VALID]
        found[verification.NOT_GENUINE] = (enterprise, _altered(token))
    return [
        (state, found[state][0], reverse("badges:verify", args=[found[state][1]]))
        for state in STATES
        if state in found
    ]
