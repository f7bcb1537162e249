"""Forms of the labour pages; the rules live in services, the forms only read and show errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceForm
from modules.labour.models import Channel, DisputeType, Mediator


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class IntakeForm(ServiceForm):
    channel = forms.ChoiceField(label=_("来源"), choices=Channel.choices)
    oral = forms.BooleanField(label=_("口头申请（当场记录）"), required=False)
    dispute_type = forms.ChoiceField(label=_("争议类型"), choices=DisputeType.choices)
    application_text = forms.CharField(label=_("申请事项与理由"), widget=forms.Textarea(attrs={"rows": 4}))
    worker_name = forms.CharField(label=_("申请人（职工）"), max_length=40)
    worker_phone = forms.CharField(label=_("申请人电话"), max_length=20, required=False)
    workers_count = forms.IntegerField(label=_("涉及职工人数"), min_value=1, max_value=100000, initial=1)
    representatives = forms.CharField(label=_("职工代表（10人以上须推举）"), max_length=500, required=False)
    employer_name = forms.CharField(label=_("被申请人（用人单位）"), max_length=120)
    employer_contact = forms.CharField(label=_("单位联系人"), max_length=40, required=False)
    employer_phone = forms.CharField(label=_("单位电话"), max_length=20, required=False)
    amount_claimed = forms.CharField(label=_("请求金额（元）"), max_length=20, required=False)
    dispute_arose_on = forms.DateField(label=_("知道或应当知道权利被侵害之日"), required=False, widget=DateInput())
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=Mediator.objects.filter(is_active=True), required=False)


class ApplyForm(ServiceForm):
    dispute_type = forms.ChoiceField(label=_("争议类型"), choices=DisputeType.choices)
    employer_name = forms.CharField(label=_("用人单位"), max_length=120)
    application_text = forms.CharField(label=_("请说明您的请求和理由"), widget=forms.Textarea(attrs={"rows": 4}))
    amount_claimed = forms.CharField(label=_("请求金额（元，可不填）"), max_length=20, required=False)
    dispute_arose_on = forms.DateField(label=_("争议发生日期"), required=False, widget=DateInput())


class SessionForm(ServiceForm):
    held_at = forms.DateTimeField(label=_("调解时间"), widget=DateTimeInput())
    room = forms.CharField(label=_("调解室"), max_length=40, initial="调解室")
    attendees = forms.CharField(label=_("参加人员"), max_length=300)
    notes = forms.CharField(label=_("调解记录"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AgreementForm(ServiceForm):
    amount_agreed = forms.CharField(label=_("协议金额（元）"), max_length=20)
    text = forms.CharField(label=_("协议内容"), widget=forms.Textarea(attrs={"rows": 4}))
    performance_due_on = forms.DateField(label=_("履行期限"), required=False, widget=DateInput())


class AssignForm(ServiceForm):
    mediator = forms.ModelChoiceField(label=_("主调解员"), queryset=Mediator.objects.filter(is_active=True))
    panel = forms.ModelMultipleChoiceField(
        label=_("调解组成员（可不选）"), queryset=Mediator.objects.filter(is_active=True), required=False
    )
    note = forms.CharField(label=_("交接说明（更换调解员时必填）"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ConsultationForm(ServiceForm):
    topic = forms.ChoiceField(label=_("咨询类型"), choices=DisputeType.choices)
    visitor = forms.CharField(label=_("来访人（可匿名）"), max_length=40, required=False)
    question = forms.CharField(label=_("咨询问题"), widget=forms.Textarea(attrs={"rows": 2}))
    advice = forms.CharField(label=_("解答与建议"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReportForm(ServiceForm):
    period = forms.DateField(label=_("月份（任一日）"), widget=DateInput())
    headcount = forms.IntegerField(label=_("月末职工人数"), min_value=0)
    headcount_change = forms.IntegerField(label=_("较上月增减"), initial=0)
    wage_arrears = forms.CharField(label=_("拖欠工资（元）"), max_length=20, required=False)
    wage_arrears_workers = forms.IntegerField(label=_("被拖欠工资人数"), min_value=0, initial=0)
    social_insurance_arrears = forms.CharField(label=_("欠缴社保（元）"), max_length=20, required=False)
    overtime_hours = forms.DecimalField(label=_("人均月加班（小时）"), min_value=0, max_value=200, initial=0)
    disputes = forms.IntegerField(label=_("本月劳动争议（件）"), min_value=0, initial=0)
    layoffs_planned = forms.IntegerField(label=_("拟裁员人数"), min_value=0, initial=0)
    business_difficulty = forms.TypedChoiceField(
        label=_("经营困难程度"), coerce=int, choices=[(0, _("无")), (1, _("轻微")), (2, _("较重")), (3, _("严重"))]
    )
    note = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EventForm(ServiceForm):
    title = forms.CharField(label=_("活动名称"), max_length=120)
    held_on = forms.DateField(label=_("日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=120)
    audience = forms.CharField(label=_("对象"), max_length=120, required=False)
    attendance = forms.IntegerField(label=_("参加人数"), min_value=0, initial=0)
    summary = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ContractForm(ServiceForm):
    title = forms.CharField(label=_("合同名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=[])
    signed_on = forms.DateField(label=_("签订日期"), widget=DateInput())
    starts_on = forms.DateField(label=_("生效日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("到期日期"), widget=DateInput())
    covered_workers = forms.IntegerField(label=_("覆盖职工人数"), min_value=1)
    wage_clauses = forms.CharField(label=_("工资条款"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, unions=(), **kwargs):
        from modules.labour.models import CollectiveContract

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CollectiveContract.Kind.choices
        self.fields["union"] = forms.ModelChoiceField(label=_("签约工会"), queryset=unions)
        self.order_fields(["union"])


class RequestForm(ServiceForm):
    from_side = forms.ChoiceField(label=_("提出方"), choices=[("union", _("工会/职工方")), ("employer", _("企业方"))])
    subject = forms.CharField(label=_("协商事项"), max_length=200)
    received_on = forms.DateField(label=_("收到要约日期"), widget=DateInput())

    def __init__(self, *args, unions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"] = forms.ModelChoiceField(label=_("单位"), queryset=unions)
        self.order_fields(["union"])


class ExtensionForm(ServiceForm):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=90)
    agreed_by = forms.CharField(label=_("同意延长的当事人（双方）"), max_length=200)
    reason = forms.CharField(label=_("延长理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ModelUnitForm(ServiceForm):
    organisation = forms.ModelChoiceField(label=_("单位"), queryset=None)
    year = forms.IntegerField(label=_("年度"))
    citation = forms.CharField(label=_("主要事迹"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    score = forms.CharField(label=_("评价得分（不填则取该单位本年度集体协商质量评估最高分）"), max_length=10, required=False)

    def __init__(self, *args, unions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = unions


class PointForm(ServiceForm):
    organisation = forms.ModelChoiceField(label=_("企业（基层工会）"), queryset=None)
    industry = forms.CharField(label=_("行业"), max_length=40, initial="其他")

    def __init__(self, *args, unions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = unions


class RiskRuleForm(ServiceForm):
    code = forms.CharField(label=_("代码（小写字母、数字、下划线）"), max_length=40)
    label = forms.CharField(label=_("说明"), max_length=80)
    indicator = forms.ChoiceField(label=_("指标"), choices=[])
    threshold = forms.CharField(label=_("阈值（≥ 即触发）"), max_length=20)
    level = forms.ChoiceField(label=_("等级"), choices=[])
    opens_case = forms.BooleanField(label=_("自动开立调解案件（仅红色）"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from modules.labour.models import Risk
        from modules.labour.services import INDICATOR_LABELS

        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = list(INDICATOR_LABELS.items())
        self.fields["level"].choices = [(Risk.YELLOW, Risk.YELLOW.label), (Risk.RED, Risk.RED.label)]


class TrainingForm(ServiceForm):
    title = forms.CharField(label=_("培训会名称"), max_length=120)
    batch = forms.IntegerField(label=_("批次"), min_value=1, max_value=50, initial=1)
    held_on = forms.DateField(label=_("日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    invited = forms.IntegerField(label=_("应到人数"), min_value=0, initial=0)


class AttendanceForm(ServiceForm):
    organisation = forms.ModelChoiceField(label=_("参会单位"), queryset=None)
    attendees = forms.IntegerField(label=_("参会人数（0 为删除）"), min_value=0, max_value=1000)

    def __init__(self, *args, unions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = unions
