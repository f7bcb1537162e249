"""A courier's answer to a survey, answered at the WSGI door (``core.hot_path``), before Django's
request handling, the middleware and the API framework.

``POST /api/v1/surveys/{survey_id}/responses`` comes by the hundred a second while a survey runs
(the courier survey: 20,000 answers). Through the whole stack the handling cost about as much as
the answer itself. Here a request with a device token and a body the API's own schema accepts is
given to the API's own service (``services.response_submit_read``), and its answer — the 201 or a
refusal the service raises — is rendered by the API's own functions, so it is the same answer,
byte for byte. Anything else returns None and goes the long way (``api.response_create``): no
token or an unknown one (401), a session, a body the schema refuses (422), another content type.

The token and the survey (and, for an identified survey, the union of the person's member record,
which the answer keeps) are read by one statement (``selectors.token_and_survey``, with core's
token rule, ``core.api.live_token_select``), and the token's use is recorded by the function
``DeviceTokenAuth`` uses (``core.hot_path.token_accepted``).
"""

from __future__ import annotations

import functools
import json

from django.http import HttpResponse
from pydantic import ValidationError

from core.errors import ApiError
from core.hot_path import bearer_token, token_accepted
from core.models import ApiToken


def response_create(request, survey_id: int) -> HttpResponse | None:
    if request.content_type != "application/json":
        return None
    token = bearer_token(request)
    if token is None:
        return None
    api, schema, services, selectors, created, refused = _api_parts()
    try:
        payload = schema.model_validate(json.loads(request.body))
    except (ValueError, ValidationError):  # not JSON, or a field to refuse: the API words it
        return None
    found = selectors.token_and_survey(ApiToken.hash_key(token), survey_id)
    if found is None:  # a token that does not authenticate: the API's 401
        return None
    token_id, last_used_at, user, survey, union = found
    token_accepted(request, token_id, last_used_at, user)
    try:
        services.response_submit_read(actor=user, survey=survey, answers=payload.answers, respondent_union=union)
    except ApiError as refusal:  # as the API's handler of ApiError answers it
        return refused(request, refusal)
    return api.create_response(request, created(survey), status=201)


@functools.cache
def _api_parts():
    """The API and its parts, imported on first use through core.api (which imports every
    programme's router: imported first on its own, a router module would be half-built)."""
    from core.api import _api_error, api
    from engines.survey import selectors, services
    from engines.survey.api import ResponseIn, created

    return api, ResponseIn, services, selectors, created, _api_error
