"""The crisis banner: active crises of the user's organisation, on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from somevahti.content.crisis import active_crises


def crisis(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return {}
    return {"active_crises": list(active_crises(organisation_id).order_by("unit__path"))}
