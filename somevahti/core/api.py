"""API for the unit tree: read-only, scoped to the units the user can see."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from somevahti.core.models import Unit, User
from somevahti.core.queries import units_visible_to


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent", "path", "depth"]
        read_only_fields = fields


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units of the user's organisation within their reach. ``path`` is the
    materialised tree path: a unit's subtree is every unit whose path starts with it."""

    serializer_class = UnitSerializer
    queryset = Unit.objects.none()

    def get_queryset(self) -> QuerySet[Unit]:
        user: User = self.request.user  # type: ignore[assignment]
        return units_visible_to(user).order_by("path")


def register(router: DefaultRouter) -> None:
    router.register("units", UnitViewSet, basename="unit")
