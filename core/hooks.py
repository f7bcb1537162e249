from django.utils.translation import gettext_lazy as _

from core.demo.tree import seed_tree
from core.registry import NavItem, registry

registry.add_demo_seeder("组织与会员", seed_tree, order=0)

registry.add_nav(NavItem(_("工作台"), "core:dashboard", audience="staff", order=1, perm="core.view_dashboard"))
registry.add_nav(NavItem(_("组织架构"), "core:org_tree", audience="staff", order=10))
registry.add_nav(NavItem(_("建会覆盖"), "core:coverage", audience="staff", order=12, perm="core.view_coverage"))
registry.add_nav(NavItem(_("设备令牌"), "core:tokens", audience="collector", order=950))

registry.add_dashboard_card("core.cards.organisations", order=1)
registry.add_dashboard_card("core.cards.members", order=2)
registry.add_dashboard_card("core.cards.coverage", order=3)

# PIPL: a worker's own data, and the scheduled purge of one-time codes past retention.
registry.add_nav(NavItem(_("我的数据"), "core:my_data", audience="worker", order=90))
registry.add_periodic_job("core.privacy.retention_purge", 3600)
# PostgreSQL: the audit and access logs' monthly partitions made ahead, and dropped past retention.
registry.add_periodic_job("core.partitions.maintain", 3600)

# Background jobs: the roster import runs in the task worker; finished jobs are removed after a week.
from core import jobs as _jobs  # noqa: E402
from core.roster import roster_export_job, roster_import_job  # noqa: E402

_jobs.register("roster_import", roster_import_job)
_jobs.register("roster_export", roster_export_job)
registry.add_periodic_job("core.jobs.jobs_purge", 24 * 3600)
registry.add_nav(NavItem(_("我的任务"), "core:jobs", audience="staff", order=940))
registry.add_nav(NavItem(_("我的消息"), "core:notifications", audience="staff", order=945))
