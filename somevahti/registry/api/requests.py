"""API for channel requests and their decision, the access register and IT's tasks."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, require, user_of
from somevahti.core.roles import Perm
from somevahti.registry.actions.access import (
    complete_access_task,
    record_access_grant,
    revoke_access_grant,
)
from somevahti.registry.actions.requests import decide_channel_request, submit_channel_request
from somevahti.registry.api.channels import AudienceRefSerializer, PersonSerializer
from somevahti.registry.forms.access import org_people
from somevahti.registry.forms.channels import people_of
from somevahti.registry.models import AccessGrant, AccessTask, Audience, Channel, ChannelRequest
from somevahti.registry.queries import (
    access_grants_for,
    access_tasks_for,
    audiences_of,
    channels_visible_to,
    requests_visible_to,
)


def _set_queryset(serializer: serializers.Serializer, name: str, qs: QuerySet[Any]) -> None:
    field = serializer.fields[name]
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    cast(serializers.PrimaryKeyRelatedField, field).queryset = qs


# Statuses are plain strings in the schema (values in the help text): a second "status"
# enum beside the channel's makes drf-spectacular warn about clashing enum names, which
# fails the deploy check. With ENUM_NAME_OVERRIDES in settings they could be enums again.
# The component is renamed because a trailing "Request" reads as a request body to it.
@extend_schema_serializer(component_name="ChannelRequestDetail")
class ChannelRequestSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    requested_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True)
    audiences = AudienceRefSerializer(many=True, read_only=True)
    proposed_responsibles = PersonSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=" | ".join(ChannelRequest.Status.values)
    )

    class Meta:
        model = ChannelRequest
        fields = [
            "id",
            "unit",
            "unit_name",
            "platform",
            "name",
            "purpose",
            "content_plan",
            "audiences",
            "promotion_plan",
            "evaluation_plan",
            "first_evaluation_on",
            "target_per_week",
            "proposed_responsibles",
            "status",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "channel",
        ]
        read_only_fields = fields


class ChannelRequestCreateSerializer(serializers.Serializer):
    """The answers; people, unit and audiences by id. Content is validated by the action."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    platform = serializers.CharField(allow_blank=True, required=False, default="")
    name = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    purpose = serializers.CharField(allow_blank=True, required=False, default="")
    content_plan = serializers.CharField(allow_blank=True, required=False, default="")
    audiences = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Audience.objects.none(), required=False, default=list
    )
    promotion_plan = serializers.CharField(allow_blank=True, required=False, default="")
    evaluation_plan = serializers.CharField(allow_blank=True, required=False, default="")
    first_evaluation_on = serializers.DateField(required=False, allow_null=True, default=None)
    target_per_week = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, default=None
    )
    proposed_responsibles = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.none(), required=False, default=list
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator builds the serializer without one
            return
        user: User = request.user
        # Ids of another organisation are simply "not found"; a unit out of the user's
        # reach in their own organisation is refused by the action (403).
        _set_queryset(self, "unit", Unit.objects.filter(organisation_id=org_id(user)))
        _set_queryset(self, "audiences", audiences_of(user))
        _set_queryset(self, "proposed_responsibles", people_of(user))


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, required=False, default="")


def request_rows(qs: QuerySet[ChannelRequest]) -> QuerySet[ChannelRequest]:
    return qs.select_related("unit", "requested_by", "decided_by").prefetch_related(
        "audiences", "proposed_responsibles"
    )


class ChannelRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests to open a new channel (the five questions) and the director's decision."""

    serializer_class = ChannelRequestSerializer
    queryset = ChannelRequest.objects.none()

    def get_queryset(self) -> QuerySet[ChannelRequest]:
        qs = requests_visible_to(user_of(self.request))
        if (wanted := self.request.query_params.get("status")) in ChannelRequest.Status.values:
            qs = qs.filter(status=wanted)
        return request_rows(qs).order_by("-created_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=ChannelRequest.Status.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ChannelRequestCreateSerializer, responses=ChannelRequestSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ChannelRequestCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        answers = dict(incoming.validated_data)
        unit = answers.pop("unit")
        req = submit_channel_request(user_of(request), unit, answers)
        fresh = request_rows(ChannelRequest.objects.filter(pk=req.pk)).get()
        return Response(ChannelRequestSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=ChannelRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approve or reject with a reason. 403 without the right, 409 when already decided."""
        user = user_of(request)
        # Within one's own organisation a decision without the right is refused (403);
        # another organisation's request does not exist (404).
        req = get_object_or_404(ChannelRequest.objects.filter(organisation_id=org_id(user)), pk=pk)
        incoming = DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        decide_channel_request(user, req, data["approve"], data["reason"])
        fresh = request_rows(ChannelRequest.objects.filter(pk=req.pk)).get()
        return Response(ChannelRequestSerializer(fresh).data)


class AccessGrantSerializer(serializers.ModelSerializer):
    holder = PersonSerializer(read_only=True)
    recorded_by = PersonSerializer(read_only=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "channel",
            "channel_name",
            "holder",
            "kind",
            "method",
            "granted_on",
            "revoked_on",
            "current",
            "recorded_by",
        ]
        read_only_fields = fields

    def get_current(self, obj: AccessGrant) -> bool:
        return obj.revoked_on is None


class AccessGrantCreateSerializer(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.none())
    holder = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    # A plain string here: the action checks it, and the enum is documented once, on
    # AccessGrant (one choice set in two components makes the schema's enum names clash).
    kind = serializers.CharField(help_text=", ".join(AccessGrant.Kind.values))
    method = serializers.CharField(allow_blank=True, max_length=300)
    granted_on = serializers.DateField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator builds the serializer without one
            return
        user: User = request.user
        _set_queryset(self, "channel", channels_visible_to(user))
        _set_queryset(self, "holder", org_people(user))


class RevokeSerializer(serializers.Serializer):
    revoked_on = serializers.DateField(required=False)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AccessGrantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The access register: who holds or has held access to each channel."""

    serializer_class = AccessGrantSerializer
    queryset = AccessGrant.objects.none()

    def get_queryset(self) -> QuerySet[AccessGrant]:
        qs = access_grants_for(user_of(self.request))
        params = self.request.query_params
        if (channel := params.get("channel", "")).isdigit():
            qs = qs.filter(channel_id=int(channel))
        if (holder := params.get("holder", "")).isdigit():
            qs = qs.filter(holder_id=int(holder))
        if params.get("current") in {"1", "true"}:
            qs = qs.filter(revoked_on__isnull=True)
        return qs.select_related("channel", "holder", "recorded_by").order_by(
            "channel__name", "channel_id", "revoked_on", "-granted_on", "id"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("channel", int),
            OpenApiParameter("holder", int, description="User id of the access holder"),
            OpenApiParameter("current", bool, description="Only access held now"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AccessGrantCreateSerializer, responses=AccessGrantSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = AccessGrantCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        d = incoming.validated_data
        grant = record_access_grant(
            user_of(request),
            d["channel"],
            d["holder"],
            d["kind"],
            d["method"],
            d.get("granted_on") or clock.today(),
        )
        return Response(AccessGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeSerializer, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Record that the access was removed. 409 when already revoked."""
        grant = self.get_object()
        incoming = RevokeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        d = incoming.validated_data
        grant = revoke_access_grant(
            user_of(request), grant, d.get("revoked_on") or clock.today(), d["reason"]
        )
        return Response(AccessGrantSerializer(grant).data)


class AccessTaskSerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    channel_status = serializers.CharField(source="channel.status", read_only=True)
    subject = PersonSerializer(read_only=True)
    done_by = PersonSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=" | ".join(AccessTask.Status.values))

    class Meta:
        model = AccessTask
        fields = [
            "id",
            "kind",
            "status",
            "channel",
            "channel_name",
            "channel_status",
            "subject",
            "reason",
            "opened_at",
            "done_at",
            "done_by",
        ]
        read_only_fields = fields


class AccessTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """IT's tasks: take access to a new channel, or revoke a departed person's access."""

    serializer_class = AccessTaskSerializer
    queryset = AccessTask.objects.none()

    def get_queryset(self) -> QuerySet[AccessTask]:
        user = user_of(self.request)
        require(user, Perm.MANAGE_ACCESS)  # IT's own list: others are refused, not shown nothing
        qs = access_tasks_for(user)
        if (wanted := self.request.query_params.get("status")) in AccessTask.Status.values:
            qs = qs.filter(status=wanted)
        return qs.select_related("channel", "subject", "done_by").order_by("-opened_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=AccessTask.Status.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=AccessTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done; a grant task needs IT's own access recorded first."""
        task = complete_access_task(user_of(request), self.get_object())
        fresh = self.get_queryset().get(pk=task.pk)
        return Response(AccessTaskSerializer(fresh).data)


def register(router: DefaultRouter) -> None:
    router.register("channel-requests", ChannelRequestViewSet, basename="channel-request")
    router.register("access-grants", AccessGrantViewSet, basename="access-grant")
    router.register("access-tasks", AccessTaskViewSet, basename="access-task")
