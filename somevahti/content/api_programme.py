"""API for the weekly programme (``weekly-slots``) and the rota (``rota``). Writes go through
the programme actions; permissions as on the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.content.models import ContentTag
from somevahti.content.models.programme import RotaEntry, WeeklySlot
from somevahti.content.programme import (
    entries_visible_to,
    entry_rows,
    occurrence_at,
    slot_rows,
    slots_visible_to,
)
from somevahti.content.programme_actions import (
    assign_entry,
    generate_rota,
    record_absence,
    set_rota_members,
    swap_entries,
)
from somevahti.content.programme_slots import create_slot, update_slot
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, user_of
from somevahti.registry.api.channels import PersonSerializer
from somevahti.registry.models import Channel


def _scope_fields(serializer: serializers.Serializer, querysets: dict[str, Any]) -> None:
    for name, qs in querysets.items():
        field = serializer.fields[name]
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        cast(serializers.RelatedField, field).queryset = qs


class WeeklySlotSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    channels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]
    time = serializers.TimeField(format="%H:%M", help_text="Finnish wall-clock time.")

    class Meta:
        model = WeeklySlot
        fields = [
            "id",
            "unit",
            "unit_name",
            "weekday",
            "time",
            "theme",
            "channels",
            "content_type",
            "active",
            "holiday_policy",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WeeklySlotWriteSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), required=False)
    weekday = serializers.ChoiceField(
        choices=WeeklySlot.Weekday.choices, help_text="0 = Monday … 6 = Sunday."
    )
    time = serializers.TimeField(help_text="Finnish wall-clock time, e.g. 10:00.")
    theme = serializers.CharField(max_length=200)
    channels = serializers.PrimaryKeyRelatedField(many=True, queryset=Channel.objects.none())
    content_type = serializers.PrimaryKeyRelatedField(
        queryset=ContentTag.objects.none(), allow_null=True, required=False, default=None
    )
    active = serializers.BooleanField(required=False, default=True)
    holiday_policy = serializers.ChoiceField(
        choices=WeeklySlot.HolidayPolicy.choices,
        required=False,
        default=WeeklySlot.HolidayPolicy.SKIP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator builds it without one
            return
        org = org_id(user_of(request))
        _scope_fields(
            self,
            {
                "unit": Unit.objects.filter(organisation_id=org),
                "channels": Channel.objects.filter(organisation_id=org),
                "content_type": ContentTag.objects.filter(organisation_id=org),
            },
        )


def _slot_data(slot: WeeklySlot) -> dict[str, Any]:
    fresh = slot_rows(WeeklySlot.objects.filter(pk=slot.pk)).get()
    return cast(dict[str, Any], WeeklySlotSerializer(fresh).data)


class WeeklySlotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Recurring slots of the units the user works in. Channel owners, communications and unit
    directors of the unit create and change them."""

    serializer_class = WeeklySlotSerializer
    queryset = WeeklySlot.objects.none()

    def get_queryset(self) -> Any:
        qs = slots_visible_to(user_of(self.request))
        if (unit := self.request.query_params.get("unit", "")).isdigit():
            qs = qs.filter(unit_id=int(unit))
        return slot_rows(qs).order_by("unit__path", "weekday", "time", "id")

    @extend_schema(parameters=[OpenApiParameter("unit", int)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _incoming(self, request: Request, partial: bool = False) -> dict[str, Any]:
        incoming = WeeklySlotWriteSerializer(
            data=request.data, context={"request": request}, partial=partial
        )
        incoming.is_valid(raise_exception=True)
        return dict(incoming.validated_data)

    @extend_schema(request=WeeklySlotWriteSerializer, responses={201: WeeklySlotSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._incoming(request)
        unit = data.pop("unit", None)
        if unit is None:
            raise serializers.ValidationError({"unit": [_("This field is required.")]})
        slot = create_slot(user_of(request), unit, data)
        return Response(_slot_data(slot), status=status.HTTP_201_CREATED)

    @extend_schema(request=WeeklySlotWriteSerializer, responses=WeeklySlotSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        slot = self.get_object()
        partial = bool(kwargs.get("partial"))
        data = self._incoming(request, partial)
        data.pop("unit", None)
        if partial:
            current = {
                "weekday": slot.weekday,
                "time": slot.time,
                "theme": slot.theme,
                "channels": list(slot.channels.all()),
                "content_type": slot.content_type,
                "active": slot.active,
                "holiday_policy": slot.holiday_policy,
            }
            data = {**current, **{k: v for k, v in data.items() if k in request.data}}
        slot = update_slot(user_of(request), slot, data)
        return Response(_slot_data(slot))

    @extend_schema(request=WeeklySlotWriteSerializer, responses=WeeklySlotSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


class RotaEntrySerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="slot.theme", read_only=True)
    unit = serializers.IntegerField(source="slot.unit_id", read_only=True)
    at = serializers.SerializerMethodField(help_text="The slot's moment on this date (UTC).")
    responsible = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RotaEntry
        fields = [
            "id",
            "slot",
            "theme",
            "unit",
            "date",
            "at",
            "responsible",
            "source",
            "moved_from",
        ]
        read_only_fields = fields

    def get_at(self, obj: RotaEntry) -> dt.datetime:
        return occurrence_at(obj.date, obj.slot.time)


class AssignSerializer(serializers.Serializer):
    responsible = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if (request := self.context.get("request")) is not None:
            _scope_fields(
                self, {"responsible": User.objects.filter(organisation_id=org_id(user_of(request)))}
            )


class SwapSerializer(serializers.Serializer):
    other = serializers.IntegerField(help_text="The rota entry to swap people with.")


class GenerateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class AbsenceSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)


class MembersSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    users = serializers.ListField(
        child=serializers.IntegerField(), help_text="People in the order of their turns."
    )


def _valid(cls: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    incoming = cls(data=request.data, context={"request": request})
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


def _org_unit(user: User, pk: int) -> Unit:
    return get_object_or_404(Unit, pk=pk, organisation_id=org_id(user))


def _org_user(user: User, pk: int) -> User:
    return get_object_or_404(User, pk=pk, organisation_id=org_id(user))


class RotaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Rota entries: who is responsible for each slot on each date. Filters: unit (subtree),
    from, to (dates), mine=1."""

    serializer_class = RotaEntrySerializer
    queryset = RotaEntry.objects.none()

    def get_queryset(self) -> Any:
        user = user_of(self.request)
        qs = entries_visible_to(user)
        params = self.request.query_params
        if (unit := params.get("unit", "")).isdigit():
            root = Unit.objects.filter(pk=int(unit), organisation_id=org_id(user)).first()
            qs = qs.filter(slot__unit__path__startswith=root.path) if root else qs.none()
        for name, lookup in (("from", "date__gte"), ("to", "date__lte")):
            if value := params.get(name):
                try:
                    qs = qs.filter(**{lookup: dt.date.fromisoformat(value)})
                except ValueError:
                    raise serializers.ValidationError(
                        {name: [_("Give a date as YYYY-MM-DD.")]}
                    ) from None
        if params.get("mine") == "1":
            qs = qs.filter(responsible=user)
        return entry_rows(qs).order_by("date", "slot__time", "id")

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int),
            OpenApiParameter("from", dt.date),
            OpenApiParameter("to", dt.date),
            OpenApiParameter("mine", int, enum=[1]),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _fresh(self, entry: RotaEntry) -> dict[str, Any]:
        row = entry_rows(RotaEntry.objects.filter(pk=entry.pk)).get()
        return cast(dict[str, Any], RotaEntrySerializer(row).data)

    @extend_schema(request=AssignSerializer, responses=RotaEntrySerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Set the responsible person by hand (channel owners, communications, directors)."""
        d = _valid(AssignSerializer, request)
        entry = assign_entry(user_of(request), self.get_object(), d["responsible"])
        return Response(self._fresh(entry))

    @extend_schema(request=SwapSerializer, responses=RotaEntrySerializer(many=True))
    @action(detail=True, methods=["post"])
    def swap(self, request: Request, pk: str | None = None) -> Response:
        """Swap the people of this entry and another of the same unit; both are told."""
        d = _valid(SwapSerializer, request)
        other = self.get_queryset().filter(pk=d["other"]).first()
        if other is None:
            raise Http404
        a, b = swap_entries(user_of(request), self.get_object(), other)
        return Response([self._fresh(a), self._fresh(b)])

    @extend_schema(request=GenerateSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        """Make the unit's rota for a date range from its rotation list."""
        d = _valid(GenerateSerializer, request)
        unit = _org_unit(user_of(request), d["unit"])
        return Response({"entries": generate_rota(user_of(request), unit, d["start"], d["end"])})

    @extend_schema(request=AbsenceSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def absences(self, request: Request) -> Response:
        """Record an absence: the person's turns in it go to the next in the rotation."""
        d = _valid(AbsenceSerializer, request)
        user = user_of(request)
        absence = record_absence(
            user, _org_user(user, d["user"]), d["start"], d["end"], d["reason"]
        )
        return Response({"id": absence.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembersSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def members(self, request: Request) -> Response:
        """Set the unit's rotation: people in the order of their turns."""
        d = _valid(MembersSerializer, request)
        user = user_of(request)
        unit = _org_unit(user, d["unit"])
        people = [_org_user(user, pk) for pk in d["users"]]
        rows = set_rota_members(user, unit, people)
        return Response({"users": [r.user_id for r in rows]})


def register(router: DefaultRouter) -> None:
    router.register("weekly-slots", WeeklySlotViewSet, basename="weekly-slot")
    router.register("rota", RotaViewSet, basename="rota")
