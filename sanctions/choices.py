from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    VALID = "valid", pgettext_lazy("licence status", "Valid")
    REVOKED = "revoked", _("Revoked")
    UNDER_OBJECTION = "under_objection", _("Under objection")
    OTHER = "other", _("Other")


class RegulatoryField(models.TextChoices):
    """Fields with publicity rules of their own (NDRC Order 58: a longer minimum)."""

    GENERAL = "", _("General")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")
    WORK_SAFETY = "work_safety", _("Work safety")
    FIRE_SAFETY = "fire_safety", _("Fire safety")


class RuleVerification(models.TextChoices):
    """How far a seeded rule has been checked against the text of the order it cites."""

    CHECKED = "checked", _("Checked against the text")
    UNCONFIRMED = "unconfirmed", _("To be checked")
    REGISTRY_DEFAULT = "registry_default", _("Registry default, no legal basis")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ListNature(models.TextChoices):
    REWARD = "reward", _("Reward (red list)")
    PUNISHMENT = "punishment", _("Punishment (black list)")
    ATTENTION = "attention", _("Attention")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    ACTIVE = "active", _("Listed")
    REMOVED = "removed", _("Removed")


class RemovalReason(models.TextChoices):
    TERM_ENDED = "term_ended", _("Term ended")
    REPAIRED = "repaired", _("Removed early after credit repair")
    REVOKED = "revoked", _("Listing decision revoked")


class MeasureNature(models.TextChoices):
    REWARD = "reward", _("Joint reward")
    PUNISHMENT = "punishment", _("Joint punishment")


class NotificationEvent(models.TextChoices):
    ENTERED = "entered", _("Entered the list")
    LEFT = "left", _("Left the list")


class RatingRuleKind(models.TextChoices):
    RECORD = "record", _("Points per record")
    LISTING = "listing", _("Points per listing")
    FLOOR = "floor", _("Grade ceiling while listed")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MaterialKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("Application form")
    COMMITMENT_LETTER = "commitment_letter", _("Credit repair commitment letter")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    APPLICANT_ID = "applicant_id", _("Applicant's ID")
    AUTHORISATION = "authorisation", _("Authorisation letter")
    PROOF_OF_PERFORMANCE = "proof_of_performance", _("Proof of performance (fine receipt, rectification)")
    CREDIT_REPORT = "credit_report", _("Public credit report")
    OTHER = "other", _("Other evidence")


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", _("Received: record marked as under objection")
    FORWARDED = "forwarded", _("Forwarded to the source agency")
    CORRECTED = "corrected", _("Record corrected")
    REVOKED = "revoked", _("Record revoked")
    UPHELD = "upheld", _("Record upheld")


class CommitmentKind(models.TextChoices):
    NOTIFICATION = "notification", _("Notification and commitment")
    VOLUNTARY = "voluntary", _("Voluntary commitment")
    REPAIR = "repair", _("Credit repair commitment")
    INDUSTRY = "industry", _("Industry self-regulation commitment")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("commitment status", "Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    BREACHED = "breached", _("Breached")


class DeadlineKind(models.TextChoices):
    REPAIR_DECISION = "repair_decision", _("Decide a credit repair application")
    OBJECTION_MARK = "objection_mark", _("Mark a record as under objection")
    OBJECTION_PLATFORM_DECISION = "objection_platform_decision", _("Platform decides an objection itself")
    OBJECTION_FORWARD = "objection_forward", _("Forward an objection to the source")
    OBJECTION_SOURCE_DECISION = "objection_source_decision", _("Source agency decides an objection")
    REVOKED_REMOVAL = "revoked_removal", _("Remove a record whose decision was revoked")
    REPAIR_REMOVAL = "repair_removal", _("Remove a repaired record from queries")


class InspectionPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Approved, not drawn yet")
    DRAWN = "drawn", _("Drawn")


class InspectionOutcome(models.TextChoices):
    """The results of a random inspection as the State Administration for Market Regulation
    publishes them (市场监管总局 抽查检查结果 categories)."""

    NO_PROBLEM = "no_problem", _("No problem found")
    PROBLEMS_CORRECTED = "problems_corrected", _("Problems found, ordered to correct them")
    PROBLEMS_PENDING = "problems_pending", _("Problems found, to be dealt with further")
    NOT_FOUND = "not_found", _("Not found at the registered address")
    NO_ACTIVITY = "no_activity", _("None of the inspected activities carried on")
    REFUSED = "refused", _("Refused the inspection, seriously")


class InspectionResultStatus(models.TextChoices):
    PENDING = "pending", _("Not inspected yet")
    SUBMITTED = "submitted", _("Result awaiting review")
    PUBLISHED = "published", _("Result published")
