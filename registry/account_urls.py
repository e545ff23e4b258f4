"""The enterprise users' pages: sign-in, sign-up with a one-time code, and the account's home; and
the staff's second factor (``/accounts/two-factor/``).

Included before ``lookup.badges.urls`` in ``config/urls.py``: ``/account/`` is this home (it links to
the staff and badges pages, which stay under ``/account/enterprises/<USCC>/``).
"""

from django.urls import path

from . import account_views
from .annual_reports import views as annual_report_views

app_name = "account"

urlpatterns = [
    path("account/", account_views.account_home, name="home"),
    path("account/sign-in/", account_views.EnterpriseSignInView.as_view(), name="sign-in"),
    path("account/sign-up/", account_views.sign_up_view, name="sign-up"),
    path("account/sign-up/verify/", account_views.verify_view, name="verify"),
    path("account/annual-reports/", annual_report_views.annual_reports_view, name="annual-reports"),
    path(
        "account/annual-reports/<int:year>/",
        annual_report_views.annual_report_file_view,
        name="annual-report-file",
    ),
    # The staff's second factor, after the password at /accounts/login/ (registry/two_factor.py).
    path("accounts/two-factor/", account_views.two_factor_view, name="two-factor"),
    path("accounts/two-factor/set-up/", account_views.two_factor_set_up_view, name="two-factor-set-up"),
]
