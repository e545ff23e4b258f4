"""The registry's models, one module per concern; every model is imported here so that Django
registers it with the app, and every name is importable from ``registry.models``."""

from ..annual_reports.models import AnnualReport, AnnualReportReminder
from ..profiles.models import PublicProfile, PublicProfileEpoch, PublicStanding
from .accounts import EnterpriseAccount, EnterpriseAccountStatus, EnterpriseClaimCode, SignInAddress
from .agencies import Agency, ApiToken, StaffRole
from .audit import AuditEntry
from .changes import ChangeEvent, ChangeFeedPrune, CurrentTransactionId
from .details import Branch, EnterpriseChange, KeyPerson, Shareholder
from .enterprises import Enterprise, EnterpriseFormerName, SearchSample
from .reference import CalendarDay, CalendarYear, Division

__all__ = [
    "Agency",
    "AnnualReport",
    "AnnualReportReminder",
    "ApiToken",
    "AuditEntry",
    "Branch",
    "CalendarDay",
    "CalendarYear",
    "ChangeEvent",
    "ChangeFeedPrune",
    "CurrentTransactionId",
    "Division",
    "Enterprise",
    "EnterpriseAccount",
    "EnterpriseAccountStatus",
    "EnterpriseChange",
    "EnterpriseClaimCode",
    "EnterpriseFormerName",
    "KeyPerson",
    "PublicProfile",
    "PublicProfileEpoch",
    "PublicStanding",
    "SearchSample",
    "Shareholder",
    "SignInAddress",
    "StaffRole",
]
