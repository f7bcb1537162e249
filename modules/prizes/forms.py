"""Forms of the prize shop; they validate input, services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import scoping
from core.images import ImageUploadField
from modules.prizes.models import PickupPlace, Prize
from modules.prizes.selectors import places_selectable_for

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_error(form: forms.Form, error, mapping: dict | None = None) -> None:
    """Show a service's error on the form: on its field when the form has it, above the form otherwise."""
    field = (mapping or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def _organisations_for(user):
    return scoping.organisations_visible_to(user).order_by("path").only("id", "name", "path", "depth")


def _is_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 18


class IdChoiceField(forms.ModelChoiceField):
    """A choice by database id; a non-id (or a giant number) is an invalid choice, never a database overflow."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            if not _is_id(item):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": str(item)[:20]})
        return super()._check_values(value)


class OrganisationChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * max(0, obj.depth - 1)}{obj.name}"


class PrizeForm(forms.ModelForm):
    organisation = OrganisationChoiceField(queryset=None, label=_("提供工会"), help_text=_("该工会及其下级工会的会员可以兑换"))
    places = IdMultipleChoiceField(queryset=None, label=_("取货点"), widget=forms.CheckboxSelectMultiple)
    stock_listed = forms.IntegerField(
        label=_("上架总数"), min_value=0, max_value=1_000_000, help_text=_("修改后剩余库存随之增减；不能少于已兑换未作废的数量")
    )

    class Meta:
        model = Prize
        fields = [
            "name",
            "description",
            "image",
            "organisation",
            "points_price",
            "stock_listed",
            "per_person_limit",
            "valid_from",
            "valid_until",
            "pickup_days",
            "stock_alert_threshold",
            "places",
            "is_active",
        ]
        widgets = {"valid_from": DATE_INPUT, "valid_until": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"image": ImageUploadField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations_for(user)
        roots = scoping.scope_roots(user)
        if not self.instance.pk and roots is not None and len(roots) == 1:
            self.initial.setdefault("organisation", roots[0].pk)
        elif not self.instance.pk and roots is None:
            self.initial.setdefault(
                "organisation", self.fields["organisation"].queryset.filter(depth=0).values_list("pk", flat=True).first()
            )
        self.fields["places"].queryset = places_selectable_for(user).order_by("name")
        self.fields["points_price"].min_value = 1
        self.fields["points_price"].widget.attrs["min"] = 1
        self.fields["per_person_limit"].widget.attrs["min"] = 1
        self.fields["pickup_days"].widget.attrs["min"] = 1
        if self.instance.pk:
            self.fields["stock_listed"].initial = self.instance.stock_listed

    def clean_points_price(self):
        value = self.cleaned_data["points_price"]
        if value < 1:
            raise forms.ValidationError(_("所需积分至少为 1"))
        return value

    def clean_per_person_limit(self):
        value = self.cleaned_data["per_person_limit"]
        if value < 1:
            raise forms.ValidationError(_("每人限兑至少为 1"))
        return value

    def clean_pickup_days(self):
        value = self.cleaned_data["pickup_days"]
        if value < 1 or value > 365:
            raise forms.ValidationError(_("领取期限应在 1 到 365 天之间"))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("截止日期不能早于开始日期"))
        return data

    def _post_clean(self):
        # The service writes the instance; don't let ModelForm copy the data (stock must move by F()).
        pass


class PlaceForm(forms.ModelForm):
    organisation = OrganisationChoiceField(queryset=None, label=_("所属工会"))
    operators = forms.CharField(
        label=_("核销员"),
        required=False,
        max_length=1000,
        help_text=_("填写用户名或手机号，多个用逗号分隔；核销员可在该取货点扫码交付奖品"),
    )

    class Meta:
        model = PickupPlace
        fields = ["name", "kind", "address", "organisation", "opening_note", "operators", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations_for(user)
        if self.instance.pk:
            self.initial["operators"] = ", ".join(u.phone or u.username for u in self.instance.operators.all())

    def _post_clean(self):
        pass


class RedeemForm(forms.Form):
    place = forms.TypedChoiceField(label=_("取货点"), coerce=int, empty_value=None, error_messages={"required": _("请选择取货点")})
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        # With several places the worker chooses one on purpose (no silent default to the first).
        blank = [("", _("请选择取货点"))] if len(places) > 1 else []
        self.fields["place"].choices = blank + [(p.pk, p.name) for p in places]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"), min_length=2, max_length=200, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("将通知职工，积分全额退还")
    )


class PickupForm(forms.Form):
    place = forms.TypedChoiceField(label=_("当前取货点"), coerce=int, empty_value=None)
    code = forms.CharField(
        label=_("取货码"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "placeholder": _("扫码枪扫描或手动输入 8 位取货码"),
                "enterkeyhint": "go",
            }
        ),
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("结束日期"), required=False, widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("结束日期不能早于开始日期"))
        return data


class RedemptionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("取货码 / 奖品"), required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from modules.prizes.models import Redemption

        self.fields["status"].choices = [("", _("全部"))] + list(Redemption.Status.choices)
        self.fields["status"].widget.attrs["data-autosubmit"] = ""
