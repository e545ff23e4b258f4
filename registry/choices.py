from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatus(models.TextChoices):
    IN_OPERATION = "in_operation", _("In operation")
    SUSPENDED = "suspended", _("Business suspended")
    LIQUIDATING = "liquidating", _("In liquidation")
    RELOCATED = "relocated", _("Moved out")
    REVOKED = "revoked", _("Business licence revoked")
    DEREGISTERED = "deregistered", _("Deregistered")


class EntityType(models.TextChoices):
    LIMITED_LIABILITY = "llc", _("Limited liability company")
    JOINT_STOCK = "joint_stock", _("Joint stock company")
    STATE_OWNED = "state_owned", _("State-owned enterprise")
    COLLECTIVE = "collective", _("Collective enterprise")
    PARTNERSHIP = "partnership", _("Partnership")
    SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
    FOREIGN_INVESTED = "foreign_invested", _("Foreign-invested enterprise")
    BRANCH = "branch", _("Branch")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")
    COOPERATIVE = "cooperative", _("Farmers' specialised cooperative")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    GOVERNMENT = "government", _("Government organ")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    """Sections of GB/T 4754-2017, Industrial classification for national economic activities."""

    A = "A", _("Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("Mining")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, heat, gas and water supply")
    E = "E", _("Construction")
    F = "F", _("Wholesale and retail trade")
    G = "G", _("Transport, storage and postal services")
    H = "H", _("Accommodation and catering")
    I = "I", _("Information transmission, software and IT services")  # noqa: E741
    J = "J", _("Finance")
    K = "K", _("Real estate")
    L = "L", _("Leasing and business services")
    M = "M", _("Scientific research and technical services")
    N = "N", _("Water conservancy, environment and public facilities management")
    O = "O", _("Resident services, repair and other services")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Health and social work")
    R = "R", _("Culture, sports and entertainment")
    S = "S", _("Public administration, social security and social organisations")
    T = "T", _("International organisations")


class AgencyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County")


class PublicitySystem(models.TextChoices):
    """Whose rules govern how long an agency's decisions stay public (docs/domain.md §4)."""

    CREDIT_PLATFORM = "", _("National credit platform")
    MARKET_REGULATION = "market_regulation", _("Market regulation (enterprise credit publicity system)")


class StaffRoleKind(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    REVIEWER = "reviewer", _("Reviewer")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    REGISTRY_ADMIN = "registry_admin", _("Registry administrator")


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class DataSource(models.TextChoices):
    MANUAL = "manual", _("Entered by a registry administrator")
    IMPORT = "import", _("Imported from a registration file")
    SEED = "seed", _("Synthetic demo data")


class SignInChannel(models.TextChoices):
    """How an enterprise user signs in and receives one-time codes."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Mobile phone")


class ChangeKind(models.TextChoices):
    """What a change-feed event says happened to public data (``registry.changes``)."""

    RECORD_PUBLISHED = "record.published", _("Record published")
    RECORD_CORRECTED = "record.corrected", _("Record corrected")
    RECORD_WITHDRAWN = "record.withdrawn", _("Record withdrawn from public view by a correction")
    RECORD_REVOKED = "record.revoked", _("Record revoked")
    RECORD_EXPIRED = "record.expired", _("Record's publicity ended")
    RECORD_REPAIRED = "record.repaired", _("Record's publicity ended by credit repair")
    LISTING_ENTERED = "listing.entered", _("Enterprise entered a list")
    LISTING_REMOVED = "listing.removed", _("Enterprise removed from a list")
    ENTERPRISE_REGISTERED = "enterprise.registered", _("Enterprise registered")
    ENTERPRISE_CHANGED = "enterprise.changed", _("Enterprise's registration changed")
    ENTERPRISE_DEREGISTERED = "enterprise.deregistered", _("Enterprise deregistered")
    BADGE_REVOKED = "badge.revoked", _("Badge revoked")


class AnnualReportStatus(models.TextChoices):
    """The enterprise's state of existence as its annual report declares it (存续状态)."""

    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Business suspended")
    LIQUIDATING = "liquidating", _("In liquidation")


class ReminderStage(models.TextChoices):
    """Which of the reminders before the annual report's deadline (30 June)."""

    FIRST = "first", _("First reminder (1 June)")
    FINAL = "final", _("Final reminder (20 June)")


class ShareholderKind(models.TextChoices):
    """Who a shareholder or contributor is: a natural person's name is masked on public outputs."""

    NATURAL_PERSON = "natural_person", _("Natural person")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class ContributionForm(models.TextChoices):
    """The form of a capital contribution (Company Law art. 48: money, or property valued in money
    and transferable by law)."""

    CURRENCY = "currency", _("Currency")
    IN_KIND = "in_kind", _("In kind")
    INTELLECTUAL_PROPERTY = "intellectual_property", _("Intellectual property")
    LAND_USE_RIGHT = "land_use_right", _("Land use right")
    EQUITY = "equity", _("Equity")
    CREDITOR_RIGHT = "creditor_right", _("Creditor's right")
    OTHER = "other", _("Other")


class PersonnelRole(models.TextChoices):
    """A key person's office, as the registration authority records it (主要人员)."""

    CHAIR = "chair", _("Chair of the board")
    VICE_CHAIR = "vice_chair", _("Vice chair of the board")
    EXECUTIVE_DIRECTOR = "executive_director", _("Executive director")
    DIRECTOR = "director", _("Director")
    CHAIR_OF_SUPERVISORS = "chair_of_supervisors", _("Chair of the board of supervisors")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    DEPUTY_MANAGER = "deputy_manager", _("Deputy manager")
    FINANCIAL_OFFICER = "financial_officer", _("Chief financial officer")
    BOARD_SECRETARY = "board_secretary", _("Secretary of the board")
    EXECUTIVE_PARTNER = "executive_partner", _("Executive partner")
    PERSON_IN_CHARGE = "person_in_charge", _("Person in charge")
    OTHER = "other", _("Other")


class ChangeItem(models.TextChoices):
    """What a change-history entry (变更记录) changed."""

    NAME = "name", _("Name")
    ENTITY_TYPE = "entity_type", _("Entity type")
    STATUS = "status", _("Registration status")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    REGISTERED_CAPITAL = "registered_capital", _("Registered capital")
    ESTABLISHED_ON = "established_on", _("Date of establishment")
    DOMICILE = "domicile", _("Domicile")
    REGISTRATION_AUTHORITY = "registration_authority", _("Registration authority")
    INDUSTRY = "industry", _("Industry")
    REGISTRATION_NUMBER = "registration_number", _("Business registration number")
    ORGANIZATION_CODE = "organization_code", _("Organisation code")
    TAX_NUMBER = "tax_number", _("Tax registration number")
    SHAREHOLDER = "shareholder", _("Shareholders (contributors)")
    PERSONNEL = "personnel", _("Key personnel")
    BRANCH = "branch", _("Branches")
