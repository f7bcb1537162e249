from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import geo
from core.forms import ServiceForm
from core.images import ImageUploadField
from core.models import Organisation
from core.numbers import number
from modules.stations.models import SERVICES, WEEKDAYS, Kind, ProblemKind, StationTask, Status
from modules.stations.services import MAX_PHOTO_BYTES

CRS_CHOICES = [
    (geo.WGS84, _("WGS-84：手机定位（GPS）、天地图")),
    (geo.GCJ02, _("GCJ-02：高德地图坐标拾取")),
    (geo.BD09, _("BD-09：百度地图坐标拾取")),
]
SERVICE_CHOICES = [(code, label) for code, _bit, label in SERVICES]
HOURS_HELP = _("如 08:00-20:00；多段用逗号分隔；跨夜写 22:00-06:00；不开放写“休息”")


class StationForm(ServiceForm):
    name = forms.CharField(label=_("驿站名称"), max_length=120)
    host = forms.ModelChoiceField(label=_("承办单位"), queryset=Organisation.objects.none())
    street = forms.ModelChoiceField(
        label=_("所属街道"), queryset=Organisation.objects.none(), required=False, help_text=_("留空则取承办单位所在街道")
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=200)
    landmark = forms.CharField(label=_("地标/附近"), max_length=120, required=False, help_text=_("职工按地标搜索时会匹配这里"))
    lat = forms.FloatField(label=_("纬度"), help_text=_("如 39.9123"))
    lng = forms.FloatField(label=_("经度"), help_text=_("如 116.3661"))
    crs = forms.ChoiceField(
        label=_("坐标来源"),
        choices=CRS_CHOICES,
        initial=geo.WGS84,
        required=False,
        help_text=_("从高德或百度的坐标拾取工具复制的坐标请选对来源，保存时换算为 WGS-84"),
    )
    services = forms.MultipleChoiceField(label=_("服务项目"), choices=SERVICE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple)
    capacity = forms.IntegerField(label=_("可容纳人数"), min_value=0, max_value=1000, initial=6)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    built_year = forms.IntegerField(label=_("建成年份"), required=False, min_value=2000, max_value=2100)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, hosts, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts
        self.fields["street"].queryset = streets
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=_("%(day)s开放时间") % {"day": label}, required=False, max_length=100, help_text=HOURS_HELP if day == 0 else ""
            )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["hours"] = [data.pop(f"hours_{day}", "") for day in range(7)]
        data["lat"], data["lng"] = geo.to_wgs84_rounded(data["lat"], data["lng"], data.pop("crs", "") or geo.WGS84)
        return data


class StatusForm(ServiceForm):
    status = forms.ChoiceField(label=_("新状态"), choices=Status.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)


class GrantForm(ServiceForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year)
    amount_yuan = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PhotoForm(ServiceForm):
    image = ImageUploadField(label=_("照片"), max_bytes=MAX_PHOTO_BYTES)
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("驿站表格（.xlsx）"))
    crs = forms.ChoiceField(
        label=_("表中坐标的来源"),
        choices=CRS_CHOICES,
        initial=geo.WGS84,
        required=False,
        help_text=_("表中有“坐标系”一列时以该列为准（可填 WGS-84、高德、百度）"),
    )


class RatingForm(ServiceForm):
    stars = forms.TypedChoiceField(label=_("评分"), choices=[(i, "★" * i) for i in range(5, 0, -1)], coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("留言"), max_length=200, required=False)


class ProblemForm(ServiceForm):
    kind = forms.ChoiceField(label=_("遇到的问题"), choices=ProblemKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("补充说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photo = ImageUploadField(label=_("照片（可选）"), required=False, max_bytes=MAX_PHOTO_BYTES)


class TaskStateForm(ServiceForm):
    state = forms.ChoiceField(label=_("变更为"), choices=StationTask.State.choices)
    note = forms.CharField(label=_("处理说明"), max_length=300, required=False)


class RevisitForm(ServiceForm):
    passed = forms.TypedChoiceField(
        label=_("复查结论"), choices=[("1", _("整改到位，关闭")), ("0", _("仍未整改"))], coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("复查情况"), max_length=300)


class RubricForm(ServiceForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    items = forms.CharField(
        label=_("检查项"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("每行一项：名称 | 权重 | 满分 | 合格分（可空）| 评分说明"),
    )
    excellent = forms.DecimalField(label=_("优秀分数线"), min_value=0, max_value=100, initial=90)
    good = forms.DecimalField(label=_("良好分数线"), min_value=0, max_value=100, initial=75)
    passing = forms.DecimalField(label=_("合格分数线"), min_value=0, max_value=100, initial=60)

    def rubric_items(self) -> list[dict]:
        out = []
        for n, line in enumerate([ln for ln in self.cleaned_data["items"].splitlines() if ln.strip()], start=1):
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            parts += [""] * (5 - len(parts))
            out.append(
                {
                    "code": f"i{n}",
                    "title": parts[0],
                    "weight": parts[1] or "1",
                    "max_score": parts[2] or "10",
                    "pass_score": parts[3] or None,
                    "guide": parts[4],
                }
            )
        return out

    def thresholds(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"min": d["excellent"], "label": "优秀"},
            {"min": d["good"], "label": "良好"},
            {"min": d["passing"], "label": "合格"},
            {"min": 0, "label": "不合格"},
        ]

    @staticmethod
    def initial_for(rubric) -> dict:
        bands = {b["label"]: b["min"] for b in rubric.thresholds}
        lines = [
            " | ".join(
                [
                    i.title,
                    # Read back by this form: no thousands separators.
                    number(i.weight, grouping=False),
                    number(i.max_score, grouping=False),
                    number(i.pass_score, grouping=False) if i.pass_score is not None else "",
                    i.guide,
                ]
            )
            for i in rubric.items.all()
        ]
        return {
            "name": rubric.name,
            "items": "\n".join(lines),
            "excellent": bands.get("优秀", 90),
            "good": bands.get("良好", 75),
            "passing": bands.get("合格", 60),
        }


class PlanForm(ServiceForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("计划名称"), max_length=120)
    rubric = forms.ModelChoiceField(label=_("评分标准"), queryset=None)
    fix_days = forms.IntegerField(label=_("整改期限（天）"), min_value=1, max_value=365, initial=30)

    def __init__(self, *args, rubrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = rubrics


class AssignForm(ServiceForm):
    inspector = forms.ModelChoiceField(label=_("检查员"), queryset=None)
    street = forms.ModelChoiceField(label=_("街道"), queryset=None, required=False, help_text=_("留空则为全区运营中的驿站"))

    def __init__(self, *args, inspectors, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors
        self.fields["street"].queryset = streets
