"""Rollup tables of the sorting-data dashboard (part 3 of the bag programme).

This app only READS the bag programme's scans and batches, through the interface the bag app
declares (``modules.bags.facts``: two database views and a few selectors), and core's
Organisation/Member; it never writes them. Every
table here is derived: ``services.rollups_refresh`` recomputes the recent days from raw scans
every 30 s and ``manage.py sortstats_rebuild`` recomputes everything, with identical results.
The dashboard reads only these tables, so a page costs the same at 20M scans as at 20.

Two grains serve the two kinds of viewer: ``Org*`` rows keep the grassroots union (a union
admin's scope), ``Branch*`` rows are grouped by the second-tier union (street or industry union)
— what district and street staff filter on — and are tens of times smaller.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.categories import Category

ORG = "core.Organisation"


class Rollup(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


def _org_fk(related_name: str = "+", verbose_name=None):
    # No database constraint: rollups are bulk-rewritten and must never block or be blocked by the tree.
    return models.ForeignKey(ORG, on_delete=models.DO_NOTHING, db_constraint=False, related_name=related_name, verbose_name=verbose_name)


class OrgDay(Rollup):
    """Bags, grams and correctly sorted bags per day × grassroots union × category."""

    day = models.DateField()
    organisation = _org_fk()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    weighed = models.IntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("日汇总（基层工会）")
        indexes = [models.Index(fields=["organisation", "day"]), models.Index(fields=["day"])]


class BranchDay(Rollup):
    """OrgDay grouped by second-tier union, street and kind: the district and street dashboards."""

    day = models.DateField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    weighed = models.IntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("日汇总（街道/行业）")
        indexes = [models.Index(fields=["day", "branch"])]


class BranchHour(Rollup):
    """Bags per day × hour of day (local time) for the weekday × hour heatmap."""

    day = models.DateField()
    weekday = models.SmallIntegerField()  # ISO: 1 = Monday … 7 = Sunday
    hour = models.SmallIntegerField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    # grams and correct too: the like-for-like comparison cuts the previous period's last day at the hour
    grams = models.BigIntegerField(default=0)
    correct = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("时段汇总")
        indexes = [models.Index(fields=["day", "branch"])]


class OrgHour(Rollup):
    """Bags per day × hour × grassroots union (the heatmap of a union admin's own scope)."""

    day = models.DateField()
    weekday = models.SmallIntegerField()
    hour = models.SmallIntegerField()
    organisation = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    # grams and correct too: the like-for-like comparison cuts the previous period's last day at the hour
    grams = models.BigIntegerField(default=0)
    correct = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("时段汇总（基层工会）")
        indexes = [models.Index(fields=["organisation", "day"]), models.Index(fields=["day"])]


class OrgReasonDay(Rollup):
    """Wrong-sort reasons per day × grassroots union × category (a bag may carry several)."""

    day = models.DateField()
    organisation = _org_fk()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    reason = models.CharField(max_length=32)
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("不合格原因汇总（基层工会）")
        indexes = [models.Index(fields=["organisation", "day"]), models.Index(fields=["day"])]


class BranchReasonDay(Rollup):
    day = models.DateField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    reason = models.CharField(max_length=32)
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("不合格原因汇总")
        indexes = [models.Index(fields=["day", "branch"])]


class PointDay(Rollup):
    """Per collection point × collector × category per day: throughput."""

    day = models.DateField()
    point_id = models.BigIntegerField()
    collector_id = models.BigIntegerField()
    point_street = _org_fk()
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("收集点日汇总")
        indexes = [models.Index(fields=["day", "point_street"])]


class CrossStreetDay(Rollup):
    """Bags of a union collected at a point of another street, per day (a small share of all scans)."""

    day = models.DateField()
    organisation = _org_fk()
    org_street = _org_fk()
    point_id = models.BigIntegerField()
    point_street = _org_fk()
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("跨街道投放日汇总")
        indexes = [models.Index(fields=["day"])]


class MemberDay(Rollup):
    """Bags a member used per day: distinct participants and improbable daily counts."""

    day = models.DateField()
    member_id = models.BigIntegerField()
    organisation = _org_fk()
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("会员日汇总")
        indexes = [
            models.Index(fields=["day", "organisation"]),
            models.Index(fields=["member_id", "day"]),
            models.Index(fields=["bags", "day"]),
        ]


class OrgMonth(Rollup):
    """Participation per calendar month × grassroots union: members, participants, new ones, bags."""

    month = models.DateField()  # first day of the month
    organisation = _org_fk()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    members = models.IntegerField()
    participants = models.IntegerField()
    new_participants = models.IntegerField()
    bags_issued = models.IntegerField()  # bags the union had to use: issued by the month's end − used before it
    bags_used = models.IntegerField()

    class Meta:
        verbose_name = _("月度参与汇总")
        indexes = [models.Index(fields=["month", "branch"]), models.Index(fields=["organisation", "month"])]


class OrgWeek(Rollup):
    """Bags per ISO week (Monday) × grassroots union × category: the history the jump test compares."""

    week = models.DateField()
    organisation = _org_fk()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    weighed = models.IntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("周汇总（基层工会）")
        indexes = [models.Index(fields=["week", "branch"]), models.Index(fields=["organisation", "week"])]


# --- month tables: long periods read whole months here and only the edge days from the day tables ---


class OrgMonthCat(Rollup):
    month = models.DateField()
    organisation = _org_fk()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    weighed = models.IntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("月汇总（基层工会）")
        indexes = [models.Index(fields=["month", "branch"]), models.Index(fields=["organisation", "month"])]


class BranchMonthCat(Rollup):
    month = models.DateField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    weighed = models.IntegerField()
    correct = models.IntegerField()

    class Meta:
        verbose_name = _("月汇总（街道/行业）")
        indexes = [models.Index(fields=["month", "branch"])]


class BranchMonthHour(Rollup):
    month = models.DateField()
    weekday = models.SmallIntegerField()
    hour = models.SmallIntegerField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("月时段汇总")
        indexes = [models.Index(fields=["month", "branch"])]


class MonthHour(Rollup):
    """BranchMonthHour over all kinds and categories: the default heatmap of a year reads ~20 times
    fewer rows (the filtered ones still read BranchMonthHour)."""

    month = models.DateField()
    weekday = models.SmallIntegerField()
    hour = models.SmallIntegerField()
    branch = _org_fk()
    street = _org_fk()
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("月时段汇总（全部分类）")
        indexes = [models.Index(fields=["month", "branch"])]


class BranchMonthReason(Rollup):
    month = models.DateField()
    branch = _org_fk()
    street = _org_fk()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=12, choices=Category.choices)
    reason = models.CharField(max_length=32)
    bags = models.IntegerField()

    class Meta:
        verbose_name = _("月不合格原因汇总")
        indexes = [models.Index(fields=["month", "branch"])]


class PointMonth(Rollup):
    """Per collection point × collector per closed month, by category and for all categories
    (``category`` = ""): throughput of a year without reading ~365 day rows per point.

    ``day_mask`` has bit ``d - 1`` set when the pair collected on day ``d`` of the month, so the
    days a point (over its collectors) or a collector (over their points) worked in a period are
    the set bits of the masks OR-ed per month — exact, unlike a sum of per-row day counts.
    """

    month = models.DateField()
    point_id = models.BigIntegerField()
    collector_id = models.BigIntegerField()
    point_street = _org_fk()
    category = models.CharField(max_length=12, blank=True)
    bags = models.IntegerField()
    grams = models.BigIntegerField()
    correct = models.IntegerField()
    day_mask = models.IntegerField()

    class Meta:
        verbose_name = _("收集点月汇总")
        indexes = [models.Index(fields=["month", "category", "point_street"])]


class RollupState(Rollup):
    """The refresh job's bookkeeping (snapshots of the highest scan id seen, last run figures)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
