"""How the questionnaire engine adds itself: its pages at /surveys/, its API, menu entries."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry

registry.add_root_urls("engines.survey.urls.urlpatterns")
registry.add_api_router("surveys", "engines.survey.api.router")
registry.add_nav(NavItem(_("问卷调查"), "survey:list", audience="staff", order=85))
registry.add_nav(NavItem(_("问卷"), "survey:mine", audience="worker", order=60))
registry.add_personal_data_section("engines.survey.privacy.answers_section", order=60)
# A courier's answer is answered at the WSGI door when it can be (core/hot_path.py, engines/survey/hot_path.py).
registry.add_hot_path("POST", "/api/v1/surveys/{survey_id}/responses", "engines.survey.hot_path.response_create")
