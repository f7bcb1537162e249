"""The registry programmes fill from their hooks.py; nothing in core names a programme.

Each app's ``hooks`` module is imported once at start-up (``CoreConfig.ready``) and calls
the ``add_*`` methods below. Pages, API routers, navigation, ledger reasons, dashboard
cards, demo seeders and sections of the annual review are all collected here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import import_string, module_has_submodule


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # who sees it: "staff" (back office), "worker" (phone pages), "collector", "public", or
    # "account" (a login no other audience covers, e.g. a counsellor's; give such an entry a perm)
    audience: str = "staff"
    order: int = 100
    icon: str = ""
    # a permission (rules) the viewer must hold besides the audience, so a menu never offers
    # a page that answers 403 (e.g. coverage for a grassroots admin); empty: the audience decides
    perm: str = ""


@dataclass(frozen=True)
class DemoSeeder:
    """Builds a programme's demo data; ``order`` runs lower first (core's tree is 0)."""

    name: str
    func: Callable
    order: int = 100


@dataclass
class Registry:
    nav_items: list[NavItem] = field(default_factory=list)
    ledger_reasons: dict[str, str] = field(default_factory=dict)
    demo_seeders: list[DemoSeeder] = field(default_factory=list)
    # ``seed_demo --year-like-2020``: each programme's part of one past year shaped like the seed article
    year_seeders: list[DemoSeeder] = field(default_factory=list)
    dashboard_cards: list[tuple[int, str]] = field(default_factory=list)
    review_sections: list[tuple[int, str]] = field(default_factory=list)
    review_chapters: dict[str, str] = field(default_factory=dict)
    api_routers: list[tuple[str, str]] = field(default_factory=list)
    root_urls: list[str] = field(default_factory=list)
    startup_hooks: list[str] = field(default_factory=list)
    periodic_jobs: list[tuple[str, int]] = field(default_factory=list)
    personal_data_sections: list[tuple[int, str]] = field(default_factory=list)
    account_closure_hooks: list[str] = field(default_factory=list)
    tour_sections: list[tuple[int, str]] = field(default_factory=list)
    hot_paths: dict[tuple[str, str], str] = field(default_factory=dict)
    login_notes: list[tuple[int, str]] = field(default_factory=list)
    attachment_owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    _discovered: bool = False

    def add_nav(self, item: NavItem) -> None:
        self.nav_items.append(item)
        self.nav_items.sort(key=lambda n: n.order)

    def add_ledger_reason(self, code: str, label: str) -> None:
        if code in self.ledger_reasons and self.ledger_reasons[code] != label:
            raise ValueError(f"ledger reason {code!r} registered twice")
        self.ledger_reasons[code] = label

    def add_demo_seeder(self, name: str, func: Callable, order: int = 100) -> None:
        self.demo_seeders.append(DemoSeeder(name, func, order))
        self.demo_seeders.sort(key=lambda s: s.order)

    def add_year_seeder(self, name: str, func: Callable, order: int = 100) -> None:
        """``func(ctx, year)`` loads the programme's part of a year shaped like the seed article (the
        figures its annual-review section shows); it must be idempotent: run twice, nothing doubles."""
        self.year_seeders.append(DemoSeeder(name, func, order))
        self.year_seeders.sort(key=lambda s: s.order)

    def add_dashboard_card(self, dotted_callable: str, order: int = 100) -> None:
        """``callable(request) -> dict(title, value, url, hint)`` shown on the staff dashboard."""
        self.dashboard_cards.append((order, dotted_callable))
        self.dashboard_cards.sort()

    def add_review_section(self, dotted_callable: str, order: int = 100, chapter: str = "") -> None:
        """A programme's part of the annual review (``core.review``): with a ``chapter`` (one of
        ``core.review.CHAPTER_KEYS``), ``callable(year, viewer, street=None) -> ReviewSection``;
        without one, the older ``callable(year, viewer) -> dict(title, items=[(label, value, unit)])``."""
        if chapter:
            from core.review import CHAPTER_KEYS

            if chapter not in CHAPTER_KEYS:
                raise ValueError(f"unknown review chapter {chapter!r}")
            self.review_chapters[dotted_callable] = chapter
        self.review_sections.append((order, dotted_callable))
        self.review_sections.sort()

    def review_chapter_sections(self) -> list[tuple[int, str, str]]:
        """The sections that follow the chapter contract: (order, dotted, chapter)."""
        return [(order, dotted, self.review_chapters[dotted]) for order, dotted in self.review_sections if dotted in self.review_chapters]

    def add_api_router(self, prefix: str, dotted_router: str) -> None:
        self.api_routers.append((prefix, dotted_router))

    def add_root_urls(self, dotted_urlpatterns: str) -> None:
        """URL patterns served at the site root (e.g. the short bag link ``/b/<code>``)."""
        self.root_urls.append(dotted_urlpatterns)

    def add_startup_hook(self, dotted_callable: str) -> None:
        """Run by ``manage.py startup_checks`` (and the demo/serve commands) before serving."""
        self.startup_hooks.append(dotted_callable)

    def add_periodic_job(self, dotted_callable: str, every_seconds: int) -> None:
        """Run by ``manage.py scheduler`` every ``every_seconds`` (rollups, expiries, retention purges)."""
        self.periodic_jobs.append((dotted_callable, every_seconds))

    def add_personal_data_section(self, dotted_callable: str, order: int = 100) -> None:
        """``callable(member) -> (title, rows: list[dict])``: a programme's part of a member's own data export (PIPL)."""
        self.personal_data_sections.append((order, dotted_callable))
        self.personal_data_sections.sort()

    def add_account_closure_hook(self, dotted_callable: str) -> None:
        """``callable(member)``, run inside an account's closure: erase what the member wrote in the programme."""
        self.account_closure_hooks.append(dotted_callable)

    def add_tour_section(self, dotted_callable: str, order: int = 100) -> None:
        """``callable(request) -> dict(title, steps=[str], cards=[dict(label, url, svg, caption)],
        links=[(label, url)])`` or None: a programme's part of the demo tour at /tour/ (DEBUG only)."""
        self.tour_sections.append((order, dotted_callable))
        self.tour_sections.sort()

    def add_hot_path(self, method: str, path: str, dotted_handler: str) -> None:
        """``handler(request, **parts) -> HttpResponse | None`` answers ``method path`` at the WSGI
        door, before Django's request handling (``core.hot_path``); None sends the request the long
        way. ``path`` may name whole-number parts as the API writes them (``/surveys/{survey_id}/
        responses``): the handler receives them as ints."""
        if (method, path) in self.hot_paths:
            raise ValueError(f"hot path {method} {path} registered twice")
        self.hot_paths[(method, path)] = dotted_handler

    def add_login_note(self, dotted_callable: str, order: int = 100) -> None:
        """``callable(request, next_url) -> dict(title, text, facts=[(label, value)]) | None``: what the
        phone login says about the page it leads to (e.g. the bag just scanned); the first answer wins."""
        self.login_notes.append((order, dotted_callable))
        self.login_notes.sort()

    def add_attachment_owner(self, model_label: str, may_view: str, may_change: str) -> None:
        """Objects of ``model_label`` ("app.model") may carry attachments (``core.attachments``):
        ``may_view(user, obj)`` decides who downloads them, ``may_change(user, obj)`` who adds and
        removes them — the programme's own rules, so core names no programme."""
        if model_label in self.attachment_owners:
            raise ValueError(f"attachment owner {model_label} registered twice")
        self.attachment_owners[model_label] = (may_view, may_change)

    def autodiscover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for config in apps.get_app_configs():
            if module_has_submodule(config.module, "hooks"):
                import_module(f"{config.name}.hooks")

    def programme_urlpatterns(self):
        patterns = []
        for config in apps.get_app_configs():
            if config.name.startswith("modules.") and module_has_submodule(config.module, "urls"):
                patterns.append(path(f"{config.label}/", include(f"{config.name}.urls")))
        return patterns

    def root_urlpatterns(self):
        patterns = []
        for dotted in self.root_urls:
            patterns.extend(import_string(dotted))
        return patterns

    def resolved(self, entries: list[tuple[int, str]]) -> list[Callable]:
        return [import_string(dotted) for _order, dotted in entries]


registry = Registry()
