"""Read-only API: connected accounts with token status, and the delivery record."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.core.permissions import user_of
from somevahti.publishing.models import Connection, Delivery, DeliveryAttempt
from somevahti.publishing.queries import connections_visible_to, deliveries_visible_to


class ConnectionSerializer(serializers.ModelSerializer[Connection]):
    channel_name = serializers.CharField(source="channel.name", read_only=True)

    class Meta:
        model = Connection
        # Never the secret: not even encrypted.
        fields = [
            "id",
            "channel",
            "channel_name",
            "platform",
            "account_id",
            "account_name",
            "base_url",
            "status",
            "status_reason",
            "expires_at",
            "connected_at",
            "last_checked_at",
        ]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    class Meta:
        model = DeliveryAttempt
        fields = [
            "number",
            "action",
            "worker",
            "started_at",
            "finished_at",
            "request",
            "response",
            "result",
        ]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    attempts_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "post",
            "channel",
            "state",
            "idempotency_key",
            "due_at",
            "attempts",
            "platform_id",
            "url",
            "error_kind",
            "error_detail",
            "approved_by",
            "created_at",
            "finished_at",
            "attempts_log",
        ]
        read_only_fields = fields


class ConnectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Channels' connections to their platform accounts: status and token expiry."""

    serializer_class = ConnectionSerializer
    queryset = Connection.objects.none()

    def get_queryset(self) -> QuerySet[Connection]:
        return connections_visible_to(user_of(self.request)).order_by("channel__name", "id")


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every post on every channel with each call made to the platform."""

    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()

    def get_queryset(self) -> QuerySet[Delivery]:
        qs = deliveries_visible_to(user_of(self.request))
        params = self.request.query_params
        if (post := params.get("post", "")).isdigit():
            qs = qs.filter(post_id=int(post))
        if (state := params.get("state", "")) in Delivery.State.values:
            qs = qs.filter(state=state)
        attempts = DeliveryAttempt.objects.order_by("started_at", "id")
        return qs.prefetch_related(Prefetch("attempts_log", attempts)).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("post", int),
            OpenApiParameter("state", str, enum=Delivery.State.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: DefaultRouter) -> None:
    router.register("connections", ConnectionViewSet, basename="connection")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
