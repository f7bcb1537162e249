"""The door (core/hot_path.py) answers a few requests before Django's middleware, doing itself what
every middleware would do for them (its ``STEPS``). A middleware added, removed or moved must be
reviewed there: these tests fail until it is, and until then the door stays shut."""

import logging

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from core.hot_path import STEPS, HotPathApplication, door_steps

# settings.MIDDLEWARE as core/hot_path.py's STEPS were last reviewed against.
REVIEWED_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware_api.ApiAnswersJsonMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestLogMiddleware",
    "axes.middleware.AxesMiddleware",
]


def test_the_middleware_is_the_one_the_door_was_reviewed_against():
    assert settings.MIDDLEWARE == REVIEWED_MIDDLEWARE, (
        "settings.MIDDLEWARE changed: review core/hot_path.py — give a new middleware its step in STEPS (what it does to "
        "a scan answered at the door: run its process_request/process_response, or send such requests the long way), "
        "re-run modules/bags/tests/test_door_gunicorn.py on PostgreSQL, then update REVIEWED_MIDDLEWARE here"
    )


def test_every_middleware_has_its_step_and_no_step_is_left_over():
    assert door_steps(settings.MIDDLEWARE) is not None
    assert set(STEPS) == set(settings.MIDDLEWARE), "a step for a middleware the platform no longer runs: remove it from STEPS"


def test_a_middleware_without_a_step_shuts_the_door(caplog):
    # GZip, say: added later, it would compress the long way's answers and not the door's.
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]):
        application = HotPathApplication(WSGIHandler())
        with caplog.at_level(logging.ERROR, logger="unionhub.hot_path"):
            assert application.handlers() == {}  # every request goes the long way
    assert "review" in caplog.text


def test_hot_paths_off_shuts_the_door():
    with override_settings(HOT_PATHS=False):
        assert HotPathApplication(WSGIHandler()).handlers() == {}


def test_the_door_reads_no_signal_internals():
    """The door sends Django's request signals like Django's handler; it does not look at who
    listens to them (a test keeps its connection the way Django's test client does)."""
    from pathlib import Path

    import core.hot_path

    source = Path(core.hot_path.__file__).read_text()
    assert ".receivers" not in source and "close_old_connections" not in source


def test_a_path_with_whole_number_parts_finds_its_handler_and_hands_them_over():
    from core.hot_path import path_pattern

    pattern = path_pattern("/api/v1/surveys/{survey_id}/responses")
    assert pattern.fullmatch("/api/v1/surveys/42/responses").groupdict() == {"survey_id": "42"}
    for other in (
        "/api/v1/surveys/x/responses",
        "/api/v1/surveys/42/responses/",
        "/api/v1/surveys//responses",
        "/api/v1/surveys/1234567890123456789/responses",
    ):
        assert pattern.fullmatch(other) is None, other
    seen = []

    def handler(request, survey_id):
        seen.append(survey_id)

    application = HotPathApplication(WSGIHandler())
    application._handlers = {}
    application._patterns = [("POST", pattern, handler)]
    assert application.lookup("POST", "/api/v1/surveys/42/responses") == (handler, {"survey_id": 42})
    assert application.lookup("GET", "/api/v1/surveys/42/responses") == (None, {})
    assert application.lookup("POST", "/api/v1/surveys/42") == (None, {})


def test_every_registered_path_with_parts_is_an_api_operation_s_address():
    """A pattern the door answers must be the address of the API operation that answers the long way."""
    from django.urls import resolve

    from core.hot_path import PATH_PART
    from core.registry import registry

    for (_method, path), _dotted in registry.hot_paths.items():
        example = PATH_PART.sub("7", path)
        assert resolve(example).url_name, path
