"""Forms of the enterprise users' pages: sign-in, sign-up and the one-time code.

They collect input only; the rules (addresses, passwords, codes) are ``registry.sign_up``'s, whose
``ValidationError`` is put back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import sign_up


class ServiceErrorsMixin:
    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, exc.messages)


class EnterpriseSignInForm(AuthenticationForm):
    """An e-mail address or mobile number (or the user name an administrator gave) and the password."""

    username = forms.CharField(
        label=_("E-mail or mobile number"),
        max_length=254,
        help_text=_("Accounts created by the registry sign in with their user name."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address, mobile number or password is not right. Passwords are case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm sizes the field for user names (150); an e-mail address may be longer.
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = "254"

    def clean(self):
        typed = self.cleaned_data.get("username")
        if typed:
            self.cleaned_data["username"] = sign_up.username_for_sign_in(typed)
        try:
            return super().clean()
        finally:
            if typed:
                self.cleaned_data["username"] = typed


class SignUpForm(ServiceErrorsMixin, forms.Form):
    address = forms.CharField(
        label=_("E-mail or mobile number"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, phone_available: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not phone_available:
            self.fields["address"].label = _("E-mail address")
            self.fields["address"].widget.input_type = "email"

    def clean_address(self) -> str:
        sign_up.parse_address(self.cleaned_data["address"])  # says at once what is wrong with it
        return self.cleaned_data["address"]

    def clean(self):
        data = super().clean()
        first, again = data.get("password"), data.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class CodeForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )


class TwoFactorCodeForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
                "class": "code-input",
            }
        ),
    )
