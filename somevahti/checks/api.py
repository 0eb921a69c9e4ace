"""API for the checker: check a text, and read or change the organisation's settings."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.checks import actions, adapter
from somevahti.checks.engine import RULES
from somevahti.checks.findings import CATEGORIES, SEVERITIES
from somevahti.checks.models import LIST_FIELDS, SEVERITY_CHOICES
from somevahti.core.models import User
from somevahti.core.permissions import organisation_of
from somevahti.registry.models import Platform

MAX_TEXT = 100_000


class MediaSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("image", _("Image")), ("video", _("Video"))])
    alt = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    captions = serializers.BooleanField(required=False, default=False)


@extend_schema_field({"type": "string", "enum": [*Platform.values, ""]})
class PlatformField(serializers.ChoiceField):
    """The registry's platforms; described inline so the schema keeps one PlatformEnum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Platform.choices, **kwargs)


class CheckRequestSerializer(serializers.Serializer):
    # Not trimmed: the findings' offsets point into the text exactly as sent.
    text = serializers.CharField(trim_whitespace=False, max_length=MAX_TEXT)
    channel = PlatformField(required=False, allow_blank=True)
    media = MediaSerializer(many=True, required=False)
    lang = serializers.ChoiceField(
        choices=[(code, code) for code in adapter.LANGS],
        required=False,
        help_text=_("Language of the text; the interface language when left out."),
    )


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text=_("Dotted rule id, e.g. privacy.hetu."))
    category = serializers.ChoiceField(choices=[(c, c) for c in CATEGORIES])
    severity = serializers.ChoiceField(choices=[(s, s) for s in SEVERITIES])
    start = serializers.IntegerField(help_text=_("Code-point offset of the first character."))
    end = serializers.IntegerField(help_text=_("Code-point offset after the last character."))
    text = serializers.CharField()
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_blank=True)


class CheckResultSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)
    blocked = serializers.BooleanField(help_text=_("True when a finding blocks publishing."))


class CheckViewSet(viewsets.ViewSet):
    """Check a text before publishing: personal data, language, tone and channel fit."""

    @extend_schema(request=CheckRequestSerializer, responses={200: CheckResultSerializer})
    def create(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        organisation_of(user)  # members of an organisation only
        incoming = CheckRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        result = adapter.check_for(
            user, data["text"], data.get("channel"), data.get("media"), data.get("lang")
        )
        return Response(CheckResultSerializer(result.as_dict()).data)


class CheckSettingsSerializer(serializers.Serializer):
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    email_domains = serializers.ListField(child=serializers.CharField(), required=False)
    ibans = serializers.ListField(child=serializers.CharField(), required=False)
    addresses = serializers.ListField(child=serializers.CharField(), required=False)
    staff_names = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("Names besides the organisation's active users, which are always included."),
    )
    words = serializers.ListField(child=serializers.CharField(), required=False)
    severities = serializers.DictField(
        child=serializers.ChoiceField(choices=[(s, s) for s in SEVERITY_CHOICES]),
        required=False,
        help_text=_("Rule id → block, warn, info or off. Rules left out use their default."),
    )


def settings_data(organisation: Any) -> dict[str, Any]:
    saved = adapter.settings_of(organisation)
    data: dict[str, Any] = {f: list(getattr(saved, f)) for f in LIST_FIELDS}
    data["severities"] = {rule: saved.severities.get(rule, d) for rule, d in RULES.items()}
    return data


class CheckSettingsViewSet(viewsets.ViewSet):
    """The organisation's checker settings: its own published numbers, e-mail domains,
    accounts, addresses and names (never flagged) and the severity of each rule.
    Communications and the data protection officer of the whole organisation, and the
    organisation admin, may read and change them."""

    @classmethod
    def as_view(cls, actions: Any = None, **initkwargs: Any) -> Any:
        # One settings object per organisation: GET and PUT on the collection address.
        if actions and actions.get("get") == "list":
            actions = {"get": "show", "put": "replace"}
        return super().as_view(actions, **initkwargs)

    def _organisation(self, request: Request) -> Any:
        user: User = request.user  # type: ignore[assignment]
        organisation = organisation_of(user)
        if not actions.can_edit_check_settings(user, organisation):
            raise PermissionDenied
        return organisation

    def list(self, request: Request) -> Response:
        """Only here so the router creates the collection route (see as_view)."""
        return self.show(request)

    @extend_schema(responses={200: CheckSettingsSerializer})
    def show(self, request: Request) -> Response:
        organisation = self._organisation(request)
        return Response(CheckSettingsSerializer(settings_data(organisation)).data)

    @extend_schema(request=CheckSettingsSerializer, responses={200: CheckSettingsSerializer})
    def replace(self, request: Request) -> Response:
        organisation = self._organisation(request)
        incoming = CheckSettingsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        actions.update_check_settings(request.user, organisation, dict(incoming.validated_data))  # type: ignore[arg-type]
        return Response(CheckSettingsSerializer(settings_data(organisation)).data)


def register(router: DefaultRouter) -> None:
    router.register("checks", CheckViewSet, basename="check")
    router.register("check-settings", CheckSettingsViewSet, basename="check-settings")
