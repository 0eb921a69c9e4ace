"""API for the audit trail: read only. There is no way to add, change or delete events."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from somevahti.audit.labels import verb_label
from somevahti.audit.models import AuditEvent
from somevahti.audit.queries import events_of_organisation
from somevahti.audit.views import EventFilterForm
from somevahti.core.models import User
from somevahti.core.permissions import require
from somevahti.core.roles import Perm


class AuditEventSerializer(serializers.ModelSerializer):
    verb_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "verb",
            "verb_label",
            "target_type",
            "target_id",
            "target_repr",
            "reason",
            "data",
        ]
        read_only_fields = fields

    def get_verb_label(self, obj: AuditEvent) -> str:
        return verb_label(obj.verb)


_FILTERS = [
    OpenApiParameter("verb", str, description="Dotted action code, e.g. channel.closed"),
    OpenApiParameter("actor", int, description="User id of who did it"),
    OpenApiParameter("target_type", str, description="e.g. registry.channel"),
    OpenApiParameter("target_id", str, description="Id of the object"),
    OpenApiParameter(
        "since", str, description="Date (from the start of that Helsinki day) or ISO date-time"
    ),
    OpenApiParameter(
        "until", str, description="Date (to the end of that Helsinki day) or ISO date-time"
    ),
    OpenApiParameter("q", str, description="Words in the object's name or the reason"),
]


@extend_schema_view(list=extend_schema(parameters=_FILTERS))
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's audit trail, newest first. Needs the right to view the audit log."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        user: User = self.request.user  # type: ignore[assignment]
        require(user, Perm.VIEW_AUDIT)
        qs = events_of_organisation(user).order_by("-created_at", "-id")
        if self.action != "list":
            return qs
        form = EventFilterForm(user, self.request.query_params, choices=False)
        if not form.is_valid():
            raise serializers.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        return form.apply(qs)


def register(router: DefaultRouter) -> None:
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
