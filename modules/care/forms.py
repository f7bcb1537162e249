"""Forms of the care programme's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import OtpForm


class DonorOtpForm(OtpForm):
    """The donor login's code step, with the consent to the donors' privacy notice. Not required
    by the form: a returning donor has consented already; the service asks for it on first login.
    No help text: core/_form.html would point aria-describedby at an element it does not render."""

    consent = forms.BooleanField(
        label=_("我已阅读并同意《爱心人士隐私说明》"),
        required=False,
    )
