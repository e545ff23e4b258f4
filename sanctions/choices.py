from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    PENALTY = "penalty", _("Administrative penalty")
    LICENCE = "licence", _("Administrative licence")
    REWARD = "reward", _("Reward or commendation")


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Replaced by a correction")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Publicity ended")


class UsageScope(models.TextChoices):
    PUBLIC = "public", _("Public")
    GOVERNMENT = "government", _("Shared between government bodies only")
    AUTHORISED = "authorised", _("By authorised query only")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    SPECIFIC_SERIOUS = "specific_serious", _("Specific serious")


class PartyCategory(models.TextChoices):
    LEGAL_PERSON = "legal_person", _("Legal person or other organisation")
    NATURAL_PERSON = "natural_person", _("Natural person")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID card")
    OTHER = "other", _("Other")


class LicenceCategory(models.TextChoices):
    ORDINARY = "01", _("Ordinary")
    FRANCHISE = "02", _("Franchise")
    APPROVAL = "03", _("Approval")
    VERIFICATION = "04", _("Verification")
    REGISTRATION = "05", _("Registration")
    OTHER = "06", _("Other")


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    UNDER_OBJECTION = "under_objection", _("Under objection")
    OTHER = "other", _("Other")


class RegulatoryField(models.TextChoices):
    """Fields with publicity rules of their own (NDRC Order 58: a longer minimum)."""

    GENERAL = "", _("General")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")
    WORK_SAFETY = "work_safety", _("Work safety")
    FIRE_SAFETY = "fire_safety", _("Fire safety")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
