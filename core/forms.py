from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import CoverageUnit, Member, Organisation


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))


class OtpForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(
        label=_("验证码"), max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"})
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ServiceForm(forms.Form):
    """A form whose business rules live in a service: ``apply_error`` puts its answer on the field."""

    def apply_error(self, error) -> None:
        extra = getattr(error, "extra", {}) or {}
        reported = extra.get("errors") or [{"field": error.field, "reason": str(error.message)}]
        for item in reported:
            field = item.get("field")
            self.add_error(field if field in self.fields else None, str(item.get("reason")))


class OrganisationForm(ServiceForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    level = forms.ChoiceField(label=_("层级"), choices=Organisation.Level.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Organisation.Kind.choices)
    ownership = forms.ChoiceField(
        label=_("所有制"), choices=[("", _("不适用"))] + [c for c in Organisation.Ownership.choices if c[0]], required=False
    )
    parent = forms.ModelChoiceField(label=_("上级工会"), queryset=Organisation.objects.none(), required=False)
    street = forms.ModelChoiceField(
        label=_("所属街道"), queryset=Organisation.objects.none(), required=False, help_text=_("行业系统下的基层工会请选择其所在街道")
    )
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False, help_text=_("18 位，系统会核对校验位"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DateInput())

    def __init__(self, *args, parents, streets, lock_place: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["street"].queryset = streets
        if lock_place:
            # A grassroots admin edits their union's details, not its place in the tree.
            for name in ("level", "parent", "street"):
                self.fields[name].disabled = True

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class MemberForm(ServiceForm):
    name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    employee_no = forms.CharField(label=_("工号"), max_length=32, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=Member.Gender.choices, required=False)
    birth_year = forms.IntegerField(label=_("出生年份"), required=False, min_value=1900, max_value=2100)
    tags = forms.MultipleChoiceField(label=_("群体标签"), choices=Member.Tag.choices, required=False, widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label=_("状态"), choices=Member.Status.choices, initial=Member.Status.ACTIVE)
    joined_on = forms.DateField(label=_("入会日期"), required=False, widget=DateInput())


class TransferForm(ServiceForm):
    to_organisation = forms.ModelChoiceField(label=_("转入工会"), queryset=Organisation.objects.none())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = targets


class ImportForm(forms.Form):
    file = forms.FileField(label=_("名册文件（.xlsx 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 20 MB"))
        return upload


class TokenForm(ServiceForm):
    name = forms.CharField(label=_("设备名称"), max_length=60, help_text=_("例如：什刹海分拣点 1 号手持机"))


class CoverageUnitForm(ServiceForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=CoverageUnit.Kind.choices)
    street = forms.ModelChoiceField(label=_("所属街道"), queryset=Organisation.objects.none())
    union = forms.ModelChoiceField(label=_("已建工会"), queryset=Organisation.objects.none(), required=False, help_text=_("尚未建会请留空"))

    def __init__(self, *args, streets, unions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets
        self.fields["union"].queryset = unions


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=60)
    action = forms.CharField(label=_("操作"), required=False, max_length=64)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
