"""How the annual review adds itself to the platform (it reads every programme's section)."""

from django.utils.translation import gettext_lazy as _

from core import jobs
from core.registry import NavItem, registry
from modules.annual import rules  # noqa: F401  (registers the permissions)

registry.add_nav(NavItem(_("年度盘点"), "annual:review", audience="staff", order=95, perm="annual.view_review"))
registry.add_api_router("annual", "modules.annual.api.router")


def _export(job, progress):
    from modules.annual.views import export_job

    return export_job(job, progress)


jobs.register("annual_review", _export)
