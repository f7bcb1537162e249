from django.conf import settings

from core import scoping
from core.registry import registry


def platform(request):
    user = getattr(request, "user", None)
    audiences = {"public"}
    if user is not None and user.is_authenticated:
        if scoping.is_staff_member(user):
            audiences.add("staff")
        if scoping.has_role(user, scoping.Role.COLLECTOR):
            audiences.add("collector")
        if scoping.has_role(user, scoping.Role.INSPECTOR):
            audiences.add("inspector")
        if scoping.member_for(user) is not None:
            audiences.add("worker")
    return {
        "district_name": settings.UNIONHUB_DISTRICT_NAME,
        "nav_items": [item for item in registry.nav_items if item.audience in audiences],
        "is_staff_member": "staff" in audiences,
        "debug": settings.DEBUG,
    }
