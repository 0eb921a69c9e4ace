"""API for guidelines: read for every member of the organisation; new versions by editors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.core.models import User
from somevahti.core.permissions import require
from somevahti.core.roles import Perm
from somevahti.guidelines.actions import add_guideline_version, unit_of
from somevahti.guidelines.models import Guideline, GuidelineVersion
from somevahti.guidelines.queries import current_version, guidelines_visible_to, with_versions


class VersionSerializer(serializers.ModelSerializer):
    approval_record = serializers.CharField(read_only=True)
    created_by: serializers.StringRelatedField = serializers.StringRelatedField()

    class Meta:
        model = GuidelineVersion
        fields = [
            "number",
            "approved_by_body",
            "approved_on",
            "approval_section",
            "approval_record",
            "effective_from",
            "change_summary",
            "body",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class GuidelineSerializer(serializers.ModelSerializer):
    unit_name = serializers.SerializerMethodField()
    current_version = serializers.SerializerMethodField()
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Guideline
        fields = ["id", "title", "slug", "unit", "unit_name", "current_version", "versions"]
        read_only_fields = fields

    def get_unit_name(self, obj: Guideline) -> str | None:
        return obj.unit.name if obj.unit else None

    def get_current_version(self, obj: Guideline) -> int | None:
        """Number of the version in force today (the newest one before any is in force)."""
        version = current_version(obj)
        return version.number if version else None


class VersionInputSerializer(serializers.Serializer):
    body = serializers.CharField()
    approved_by_body = serializers.CharField(max_length=200)
    approved_on = serializers.DateField()
    approval_section = serializers.CharField(max_length=50, required=False, allow_blank=True)
    effective_from = serializers.DateField()
    change_summary = serializers.CharField(max_length=500, required=False, allow_blank=True)


class GuidelineViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's guidelines with every approved version and its approval record."""

    serializer_class = GuidelineSerializer
    queryset = Guideline.objects.none()

    def get_queryset(self) -> QuerySet[Guideline]:
        user: User = self.request.user  # type: ignore[assignment]
        return with_versions(guidelines_visible_to(user)).order_by("unit__path", "title", "pk")

    @extend_schema(request=VersionInputSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"])
    def versions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a new approved version (communications of the guideline's unit)."""
        guideline = self.get_object()
        user: User = request.user  # type: ignore[assignment]
        # No right, no answer about the data: 403 before any field errors.
        require(user, Perm.EDIT_GUIDELINES, unit_of(guideline))
        incoming = VersionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        version = add_guideline_version(user, guideline, **incoming.validated_data)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    router.register("guidelines", GuidelineViewSet, basename="guideline")
