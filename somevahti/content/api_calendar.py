"""API: the editorial calendar (read only). Same scope and filters as the calendar pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.content import calendar
from somevahti.content.calendar import Scope
from somevahti.content.models import ContentTag, Post
from somevahti.content.queries import tags_of
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, require, units_for
from somevahti.core.roles import Perm
from somevahti.registry.api.channels import PersonSerializer
from somevahti.registry.models import Channel
from somevahti.registry.queries import channels_visible_to

MAX_DAYS = 92


class CalendarQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="First day (Helsinki); default: this Monday."
    )
    end = serializers.DateField(
        required=False,
        help_text=f"Day after the last (exclusive); default start + 7, at most {MAX_DAYS} days.",
    )
    unit = serializers.IntegerField(
        required=False, help_text="Unit id: the unit and units below it."
    )
    channel = serializers.IntegerField(required=False)
    person = serializers.IntegerField(required=False, help_text="Author's user id.")
    state = serializers.MultipleChoiceField(choices=Post.State.values, required=False)
    tag = serializers.IntegerField(required=False, help_text="Content type id.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("start") or calendar.week_start(clock.today())
        end = attrs.get("end") or start + dt.timedelta(days=7)
        if end <= start:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        if (end - start).days > MAX_DAYS:
            raise serializers.ValidationError({"end": [f"At most {MAX_DAYS} days at a time."]})
        return {**attrs, "start": start, "end": end}


class ChannelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()


class CalendarEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="post.pk")
    title = serializers.CharField(source="post.title")
    state = serializers.CharField(source="post.state", help_text=" | ".join(Post.State.values))
    placed_at = serializers.DateTimeField(
        help_text="Scheduled time, or when published by hand (ISO 8601 with offset)."
    )
    local_date = serializers.DateField(help_text="The Helsinki day the post is shown on.")
    unit = serializers.IntegerField(source="post.unit_id")
    unit_name = serializers.CharField(source="post.unit.name")
    author = PersonSerializer(source="post.author")
    channels = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    def get_channels(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": v.channel_id, "name": v.channel.name, "platform": v.channel.platform}
            for v in obj["post"].variants.all()
        ]

    def get_tags(self, obj: dict[str, Any]) -> list[int]:
        return [t.pk for t in obj["post"].tags.all()]


def _one(qs: Any, pk: int | None) -> Any:
    """The object with ``pk`` in the user's reach, or 404 (never a hint it exists elsewhere)."""
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class CalendarViewSet(viewsets.ViewSet):
    """Posts placed on Helsinki days in [start, end), scoped like the calendar pages:
    the organisation, a unit subtree, a channel or an author; filtered by state and
    content type. Ids outside the caller's reach give 404."""

    @extend_schema(
        parameters=[CalendarQuerySerializer],
        responses=CalendarEntrySerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        require(user, Perm.VIEW_REGISTRY)
        incoming = CalendarQuerySerializer(
            data={
                **request.query_params.dict(),
                "state": request.query_params.getlist("state"),
            }
        )
        incoming.is_valid(raise_exception=True)
        d = incoming.validated_data
        unit: Unit | None = _one(units_for(user, Perm.VIEW_REGISTRY), d.get("unit"))
        channel: Channel | None = _one(channels_visible_to(user), d.get("channel"))
        person: User | None = _one(
            User.objects.filter(organisation_id=org_id(user)), d.get("person")
        )
        tag: ContentTag | None = _one(tags_of(user), d.get("tag"))
        scope = Scope(
            unit=unit,
            channel=channel,
            person=person,
            states=sorted(d.get("state") or []),
            tags=[tag] if tag else [],
        )
        rows = []
        for post in calendar.calendar_posts(user, d["start"], d["end"], scope):
            at = calendar.placed_at(post)
            if at is None:
                continue
            rows.append(
                {
                    "post": post,
                    "placed_at": at,
                    "local_date": at.astimezone(clock.HELSINKI).date(),
                }
            )
        return Response(CalendarEntrySerializer(rows, many=True).data)


def register(router: DefaultRouter) -> None:
    router.register("calendar", CalendarViewSet, basename="calendar")
