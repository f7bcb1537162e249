"""Forms of the honours pages; the rules live in services, the forms only read and show errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceForm
from modules.honours.models import Honour, HonourLevel, Need, OfficialRank, PersonCategory


class HonourForm(ServiceForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("荣誉名称"), max_length=80)
    level = forms.ChoiceField(label=_("荣誉级别"), choices=HonourLevel.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Honour.Kind.choices)
    places = forms.IntegerField(label=_("推荐名额"), min_value=1, max_value=10000)
    min_frontline_pct = forms.IntegerField(label=_("一线职工不低于（%）"), min_value=0, max_value=100, initial=45)
    min_technical_pct = forms.IntegerField(label=_("专业技术人员不低于（%）"), min_value=0, max_value=100, initial=25)
    max_manager_pct = forms.IntegerField(label=_("管理人员不高于（%）"), min_value=0, max_value=100, initial=8)
    epidemic_reserved_pct = forms.IntegerField(label=_("抗疫一线预留（%）"), min_value=0, max_value=100, initial=0)
    excluded_rank = forms.ChoiceField(label=_("不参评的行政级别（含以上）"), choices=OfficialRank.choices, initial=OfficialRank.DIVISION)
    opens_on = forms.DateField(label=_("推荐开始"), widget=DateInput())
    closes_on = forms.DateField(label=_("推荐截止"), widget=DateInput())
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=60, initial=7)


class NominationForm(ServiceForm):
    nominee_name = forms.CharField(label=_("被推荐人/集体名称"), max_length=80)
    job_title = forms.CharField(label=_("职务/岗位"), max_length=80, required=False)
    category = forms.ChoiceField(label=_("人员类别"), choices=PersonCategory.choices)
    official_rank = forms.ChoiceField(label=_("行政级别"), choices=OfficialRank.choices)
    epidemic_frontline = forms.BooleanField(label=_("抗疫一线人员"), required=False)
    deeds = forms.CharField(label=_("主要事迹"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000, required=False)
    consent_to_notice = forms.BooleanField(label=_("本人同意公示姓名、单位和事迹"), required=False)
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)


class CourseForm(ServiceForm):
    title = forms.CharField(label=_("课程名称"), max_length=80)
    description = forms.CharField(label=_("课程介绍"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    certificate_months = forms.IntegerField(label=_("证书有效期（月，0 为长期）"), min_value=0, max_value=240, initial=36)


class SessionForm(ServiceForm):
    place = forms.CharField(label=_("地点"), max_length=120)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=5000)


class LessonForm(ServiceForm):
    title = forms.CharField(label=_("课时"), max_length=80)
    kind = forms.ChoiceField(label=_("形式"), choices=[("recorded", _("录播")), ("live", _("直播"))])
    video_url = forms.CharField(label=_("视频地址"), max_length=200, required=False)


class EnrolForm(ServiceForm):
    people = forms.CharField(
        label=_("报名人"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名 手机号（可一次为多人报名，最多 10 人）"),
    )

    def clean_people(self):
        rows = []
        for line in self.cleaned_data["people"].splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(_("每行填写“姓名 手机号”：%(line)s") % {"line": line[:40]})
            rows.append({"name": parts[0], "phone": parts[1]})
        if not rows:
            raise forms.ValidationError(_("请至少填写一位报名人"))
        return rows


class CraftsmanForm(ServiceForm):
    skill = forms.CharField(label=_("技艺/工种"), max_length=60)
    level = forms.CharField(label=_("技能等级"), max_length=40, required=False)
    honours = forms.CharField(label=_("所获荣誉"), max_length=200, required=False)
    bio = forms.CharField(label=_("个人简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    public_name_consent = forms.BooleanField(label=_("同意在工匠联盟展示姓名"), required=False)


class WorkForm(ServiceForm):
    title = forms.CharField(label=_("作品名称"), max_length=80)
    description = forms.CharField(label=_("作品介绍"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    picture = forms.FileField(label=_("作品图片"), required=False)


class NeedForm(ServiceForm):
    kind = forms.ChoiceField(label=_("需求类型"), choices=Need.Kind.choices)
    title = forms.CharField(label=_("需求"), max_length=80)
    description = forms.CharField(label=_("需求说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
