from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core import scoping
from core.registry import registry

# The links of the phone pages' tab bar (templates/base_mobile.html): the same for everyone
# but a worker, who also sees the worker pages.
MOBILE_AUDIENCES = frozenset({"public", "worker"})


def platform(request):
    """The navigation every page may show. Computed on first use, not here: the phone pages show
    only public and worker links (``tab_items``), so asking whether the user is staff, collector
    or inspector — a query of their role assignments — is left to the pages that show those."""
    user = getattr(request, "user", None)
    audiences = SimpleLazyObject(lambda: _audiences(user))
    return {
        "district_name": settings.UNIONHUB_DISTRICT_NAME,
        "nav_items": SimpleLazyObject(lambda: _nav_items(user, audiences)),
        "tab_items": SimpleLazyObject(lambda: _tab_items(user)),
        "tab_bar": SimpleLazyObject(lambda: _tab_bar(request)),
        "is_staff_member": SimpleLazyObject(lambda: "staff" in audiences),
        "debug": settings.DEBUG,
    }


def _audiences(user) -> set[str]:
    audiences = {"public"}
    if user is not None and user.is_authenticated:
        if scoping.is_staff_member(user):
            audiences.add("staff")
        if scoping.has_role(user, scoping.Role.COLLECTOR):
            audiences.add("collector")
        if scoping.has_role(user, scoping.Role.INSPECTOR):
            audiences.add("inspector")
        if scoping.has_role(user, scoping.Role.EXPERT):
            audiences.add("expert")
        if scoping.member_for(user) is not None:
            audiences.add("worker")
        if audiences == {"public"}:
            # a login no other audience covers (a counsellor, a public donor): its entries carry a
            # ``perm``, asked of these accounts alone, so no staff or worker page pays for the check
            audiences.add("account")
    return audiences


def _nav_items(user, audiences) -> list:
    """The entries of the viewer's audiences whose page the viewer may open: a menu never offers a 403."""
    return [
        item
        for item in registry.nav_items
        if item.audience in audiences and (not item.perm or (user is not None and user.has_perm(item.perm)))
    ]


# A 360 px phone fits five tabs with their labels on one line; the rest go under 更多.
TAB_BAR_SLOTS = 5


def _tab_bar(request) -> dict:
    """The phone tab bar: ``main`` tabs and the ``more`` entries (a sheet behind 更多), each with
    ``current`` set on the page being shown, and ``more_current`` when that page is in the sheet."""
    items = _tab_items(getattr(request, "user", None))
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    tabs = [{"item": item, "current": item.url_name == here} for item in items]
    if len(tabs) <= TAB_BAR_SLOTS:
        return {"main": tabs, "more": [], "more_current": False}
    main, more = tabs[: TAB_BAR_SLOTS - 1], tabs[TAB_BAR_SLOTS - 1 :]
    return {"main": main, "more": more, "more_current": any(t["current"] for t in more)}


def _tab_items(user) -> list:
    """``nav_items`` restricted to the tab bar's audiences, without the role query for workers and
    visitors. A logged-in non-worker may be an ``account`` (a counsellor's login): their entries
    are asked, like the desktop menu's, whether the page would open — the tab bar never offers a 403."""
    worker = user is not None and scoping.member_for(user) is not None
    account = user is not None and user.is_authenticated and not worker and "account" in _audiences(user)
    return [
        item
        for item in registry.nav_items
        if (item.audience == "public" or (worker and item.audience == "worker") or (account and item.audience == "account"))
        and (not item.perm or user.has_perm(item.perm))
    ]
