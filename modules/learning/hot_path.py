"""A contest answer from the app (a device token), answered at the WSGI door (``core.hot_path``),
before Django's middleware and the API framework.

``POST /api/v1/learning/attempts/{attempt_id}/answers`` is what a district-wide contest sends
thousands of at once. Through the whole stack the session, the middleware and the API framework
cost about as much Python as the answer itself. Here, on PostgreSQL, a request with a body the
API's own schema accepts and a device token is answered by the engine's answer itself
(``services.contest_answer_by_token``: the token and its member are resolved in the statement that
locks the attempt, so an answer is two statements); what that statement cannot tell (an unknown
token, not a member, no such attempt) is answered as before, the token first and then the API's
service (``services.contest_answer``). Answers and refusals are rendered by the API's own code
(``core.api``), so they are the API's, byte for byte. Anything else — a session, no or an unknown
token, a body the API would refuse — returns None and goes the long way (``api.answer_submit``).
"""

from __future__ import annotations

import functools
import json

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from pydantic import ValidationError

from core.errors import ApiError
from core.hot_path import token_user
from core.models import ApiToken
from modules.learning import services


def answer_submit(request, attempt_id: int) -> HttpResponse | None:
    if request.content_type != "application/json" or connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    api, api_error, schema_in, answer_out = _api_parts()
    try:
        payload = schema_in.model_validate(json.loads(request.body))
    except (ValueError, ValidationError):  # not JSON, or a field to refuse: the API words it
        return None
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("uh_"):
        return None
    # The token, its member and the attempt in the statement that locks the attempt.
    answered = services.contest_answer_by_token(
        token_hash=ApiToken.hash_key(token),
        attempt_id=attempt_id,
        question_id=payload.question_id,
        chosen=payload.chosen,
        client_key=payload.client_key,
    )
    if answered is not None:
        request.hot_path_user_id = answered.user_id
        if answered.refused is not None:  # not drawn, answered already, a key reused…
            return api_error(request, answered.refused)
        return _answer(request, api, answer_out, answered.result)
    # What that statement cannot tell (an unknown token, not a member, no such attempt, a key to
    # refuse before the attempt): the token first, as the API checks it, then the service.
    user = token_user(request)
    if user is None:
        return None
    try:
        result = services.contest_answer(
            actor=user, attempt_id=attempt_id, question_id=payload.question_id, chosen=payload.chosen, client_key=payload.client_key
        )
    except ApiError as refused:  # not a member, no such attempt, a key to refuse…
        return api_error(request, refused)
    return _answer(request, api, answer_out, result)


def _answer(request, api, answer_out, result) -> HttpResponse:
    # ``answer_out`` gives the schema's fields, in its order and of its types: as the API renders it.
    return api.create_response(request, answer_out(result), status=200)


@functools.cache
def _api_parts():
    """The API, its rendering of a refusal and the operation's schemas, imported on first use
    through core.api (which imports every programme's router: imported on its own, this
    programme's API module would import itself half-built)."""
    import core.api
    from modules.learning.api import LearningAnswerIn, answer_out

    return core.api.api, core.api._api_error, LearningAnswerIn, answer_out
