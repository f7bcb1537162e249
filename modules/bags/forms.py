"""Forms of the field side's pages (the services validate again; forms give field-level messages)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, User
from modules.bags import selectors, services
from modules.bags.models import CollectionPoint, LabelExport


class BatchForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("发放工会"), queryset=Organisation.objects.none())
    size = forms.IntegerField(
        label=_("数量（个）"),
        min_value=services.MIN_BATCH,
        max_value=services.MAX_BATCH,
        help_text=_("10 至 200,000 个；编码立即生成，标签可随后导出。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.issuable_organisations(viewer).order_by("path")


class LabelsForm(forms.Form):
    layout = forms.ChoiceField(label=_("标签版式"), choices=LabelExport.Layout.choices, initial=LabelExport.Layout.A4_3X8)


class RangeBindForm(forms.Form):
    first_code = forms.CharField(label=_("起始编码"), max_length=40)
    last_code = forms.CharField(label=_("结束编码"), max_length=40)
    phone = forms.CharField(label=_("会员手机号"), max_length=20)


class CsvBindForm(forms.Form):
    file = forms.FileField(label=_("名册 CSV 文件"), help_text=_("每行：编码,手机号；第一行可以是标题行。最多 20,000 行。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 2MB"))
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise forms.ValidationError(_("无法识别文件编码，请保存为 UTF-8 CSV"))
        rows = []
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if number == 1 and row[0].strip() in ("编码", "code", "Code", "CODE"):
                continue
            if len(row) < 2:
                raise forms.ValidationError(_("第 %(row)s 行应有两列：编码,手机号") % {"row": number})
            rows.append((row[0].strip(), row[1].strip()))
        if not rows:
            raise forms.ValidationError(_("文件中没有数据行"))
        return rows


class PointForm(forms.ModelForm):
    class Meta:
        model = CollectionPoint
        fields = ["name", "street", "address", "latitude", "longitude", "served_organisations", "collectors", "is_active"]
        widgets = {"served_organisations": forms.SelectMultiple(attrs={"size": 8}), "collectors": forms.SelectMultiple(attrs={"size": 5})}
        labels = {"served_organisations": _("服务的工会（不选即服务本街道全部工会）"), "collectors": _("分拣员")}

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = selectors.streets_for_points(viewer).order_by("path")
        street = None
        street_id = self.data.get("street") if self.is_bound else (self.instance.street_id if self.instance.pk else None)
        if street_id and str(street_id).isdigit():
            street = self.fields["street"].queryset.filter(pk=street_id).first()
        if street is None:
            street = self.fields["street"].queryset.first()
        self.fields["served_organisations"].queryset = selectors.servable_organisations(street)
        self.fields["served_organisations"].required = False
        self.fields["collectors"].queryset = selectors.collectors_for(street) if street else User.objects.none()
        self.fields["collectors"].required = False
        self.fields["collectors"].label_from_instance = lambda u: f"{u.display_name or u.username}（{u.username}）"
