"""Forms of the studio pages; the rules live in services, the forms only read and show errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceForm
from modules.studios.models import Field, ResultKind

RESULT_KIND_BY_LABEL = {str(label): value for value, label in ResultKind.choices}


class ApplicationForm(ServiceForm):
    name = forms.CharField(label=_("工作室名称"), max_length=80)
    field = forms.ChoiceField(label=_("创新领域"), choices=Field.choices)
    leader_name = forms.CharField(label=_("领办人"), max_length=40, required=False)
    leader_title = forms.CharField(label=_("领办人职务/职称"), max_length=80, required=False)
    leader_honours = forms.CharField(label=_("领办人荣誉（劳动模范、工匠等）"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    team = forms.CharField(
        label=_("团队成员"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("每行一人：姓名，岗位（例：王强，高级技师）"),
    )
    results = forms.CharField(
        label=_("创新成果"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "每行一项：类别，名称，年份。类别为 专利、工艺改进、获奖、经济效益、标准与成果 之一（例：专利，一种电缆剥线装置，2020）"
        ),
    )
    summary = forms.CharField(label=_("工作室简介"), widget=forms.Textarea(attrs={"rows": 4, "data-richtext": ""}), required=False)
    facilities = forms.CharField(label=_("场地与经费"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    consent_to_notice = forms.BooleanField(label=_("同意公示工作室名称、单位及领办人姓名"), required=False)
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_team(self):
        rows = []
        for line in self.cleaned_data["team"].splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",", 1)]
            if parts[0]:
                rows.append({"name": parts[0], "role": parts[1] if len(parts) > 1 else ""})
        return rows

    def clean_results(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["results"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3 or parts[0] not in RESULT_KIND_BY_LABEL or not parts[2].isdigit():
                raise forms.ValidationError(_("第 %(n)s 行应为：类别，名称，年份") % {"n": number})
            rows.append({"kind": RESULT_KIND_BY_LABEL[parts[0]], "title": parts[1], "year": int(parts[2])})
        return rows

    @staticmethod
    def initial_for(application) -> dict:
        labels = dict(ResultKind.choices)
        return {
            **{
                key: getattr(application, key)
                for key in ("name", "field", "leader_name", "leader_title", "leader_honours", "summary", "facilities", "consent_to_notice")
            },
            "team": "\n".join(f"{m['name']}，{m['role']}" if m.get("role") else m["name"] for m in application.team),
            "results": "\n".join(f"{labels.get(r['kind'], r['kind'])}，{r['title']}，{r['year']}" for r in application.results),
            "updated_at": application.updated_at.isoformat(),
        }


class CallForm(ServiceForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("通知标题"), max_length=120)
    description = forms.CharField(label=_("申报说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    opens_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    closes_on = forms.DateField(label=_("截止日期"), widget=DateInput())
    quota = forms.IntegerField(label=_("命名名额"), min_value=1, max_value=500)
    min_team_size = forms.IntegerField(label=_("团队最少人数"), min_value=1, max_value=100, initial=5)
    recent_years = forms.IntegerField(label=_("成果年限（年）"), min_value=1, max_value=10, initial=3)
    experts_per_application = forms.IntegerField(label=_("每项评审专家数"), min_value=1, max_value=9, initial=2)
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=30, initial=7)


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
