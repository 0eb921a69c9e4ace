"""API for channels (list with the page's filters, detail, PATCH), audiences and suggestions."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.core.models import Unit, User
from somevahti.core.permissions import user_of
from somevahti.core.queries import units_visible_to
from somevahti.registry.actions.channels import update_channel
from somevahti.registry.forms.channels import ChannelFilterForm, people_of
from somevahti.registry.models import Audience, Channel, ChannelStatus, MatrixCell, Platform
from somevahti.registry.queries import audiences_of, channels_visible_to, suggest_platforms


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, obj: User) -> str:
        return str(obj)


class AudienceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Audience
        fields = ["id", "name"]


class ChannelSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    responsibles = PersonSerializer(many=True, read_only=True)
    audiences = AudienceRefSerializer(many=True, read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "platform",
            "handle",
            "url",
            "unit",
            "unit_name",
            "responsibles",
            "audiences",
            "purpose",
            "target_per_week",
            "status",
            "opened_on",
            "closed_on",
            "last_activity_at",
            "followers",
        ]
        read_only_fields = fields


class ChannelUpdateSerializer(serializers.Serializer):
    """Fields a PATCH may change; people, units and audiences by id."""

    name = serializers.CharField(required=False, max_length=200)
    platform = serializers.ChoiceField(Platform.choices, required=False)
    handle = serializers.CharField(required=False, allow_blank=True, max_length=200)
    url = serializers.URLField(required=False, allow_blank=True)
    purpose = serializers.CharField(required=False, allow_blank=True)
    target_per_week = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, required=False
    )
    status = serializers.ChoiceField(ChannelStatus.choices, required=False)
    opened_on = serializers.DateField(required=False, allow_null=True)
    closed_on = serializers.DateField(required=False, allow_null=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), required=False)
    responsibles = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.none(), required=False
    )
    audiences = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Audience.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user: User = request.user
        # Ids outside the user's organisation are simply "not found".
        cast(serializers.PrimaryKeyRelatedField, self.fields["unit"]).queryset = units_visible_to(
            user
        )
        for name, qs in (("responsibles", people_of(user)), ("audiences", audiences_of(user))):
            relation = cast(serializers.ManyRelatedField, self.fields[name]).child_relation
            cast(serializers.PrimaryKeyRelatedField, relation).queryset = qs


def channel_rows(qs: QuerySet[Channel]) -> QuerySet[Channel]:
    return qs.select_related("unit").prefetch_related(
        Prefetch("responsibles", queryset=User.objects.order_by("last_name", "username")),
        "audiences",
    )


_FILTERS = [
    OpenApiParameter("q", str, description="Search in name, handle and address"),
    OpenApiParameter("unit", int, description="Unit id; includes the units below it"),
    OpenApiParameter("platform", str, enum=Platform.values),
    OpenApiParameter("status", str, enum=ChannelStatus.values),
    OpenApiParameter("audience", int, description="Audience id"),
    OpenApiParameter("responsible", int, description="User id of a responsible person"),
    OpenApiParameter(
        "sort",
        str,
        description="name, platform, unit, status, followers or last_activity; '-' reverses",
    ),
]


class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ChannelSerializer
    queryset = Channel.objects.none()
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Channel]:
        user = user_of(self.request)
        qs = channels_visible_to(user)
        if self.action == "list":
            form = ChannelFilterForm(user, self.request.query_params)
            if not form.is_valid():
                raise serializers.ValidationError(
                    {name: [str(e) for e in errors] for name, errors in form.errors.items()}
                )
            qs = form.apply(qs)
        return channel_rows(qs)

    @extend_schema(parameters=_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ChannelUpdateSerializer, responses=ChannelSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        channel = self.get_object()
        incoming = ChannelUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        incoming.is_valid(raise_exception=True)
        update_channel(user_of(request), channel, dict(incoming.validated_data))
        fresh = channel_rows(Channel.objects.filter(pk=channel.pk)).get()
        return Response(ChannelSerializer(fresh).data)


class CellSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatrixCell
        fields = ["platform", "purpose"]


class AudienceSerializer(serializers.ModelSerializer):
    cells = CellSerializer(many=True, read_only=True)

    class Meta:
        model = Audience
        fields = ["id", "name", "description", "order", "cells"]


class ReasonSerializer(serializers.Serializer):
    audience = serializers.IntegerField()
    audience_name = serializers.CharField()
    purpose = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    platform = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    covers = serializers.IntegerField()
    reasons = ReasonSerializer(many=True)


class AudienceViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's target groups with the target-group matrix cells."""

    serializer_class = AudienceSerializer
    queryset = Audience.objects.none()

    def get_queryset(self) -> QuerySet[Audience]:
        return audiences_of(user_of(self.request)).prefetch_related("cells")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "audiences",
                OpenApiTypes.STR,
                description="Audience ids, repeated or comma separated",
                required=True,
            )
        ],
        responses=SuggestionSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def suggest(self, request: Request) -> Response:
        """Platforms that serve the given audiences, best coverage first, with reasons."""
        raw = [part for v in request.query_params.getlist("audiences") for part in v.split(",")]
        try:
            ids = {int(part) for part in raw if part.strip()}
        except ValueError as exc:
            raise serializers.ValidationError({"audiences": [_("Give target group ids.")]}) from exc
        if not ids:
            raise serializers.ValidationError(
                {"audiences": [_("Give at least one target group id.")]}
            )
        chosen = list(audiences_of(user_of(request)).filter(pk__in=ids))
        missing = sorted(ids - {a.pk for a in chosen})
        if missing:
            raise serializers.ValidationError(
                {
                    "audiences": [
                        _("Unknown target group ids: %(ids)s")
                        % {"ids": ", ".join(map(str, missing))}
                    ]
                }
            )
        data = [
            {
                "platform": code,
                "label": label,
                "covers": len(reasons),
                "reasons": [
                    {"audience": a.pk, "audience_name": a.name, "purpose": purpose}
                    for a, purpose in reasons
                ],
            }
            for code, label, reasons in suggest_platforms(user_of(request), chosen)
        ]
        return Response(SuggestionSerializer(data, many=True).data)


def register(router: DefaultRouter) -> None:
    router.register("channels", ChannelViewSet, basename="channel")
    router.register("audiences", AudienceViewSet, basename="audience")
