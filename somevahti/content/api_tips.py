"""API for staff tips and crisis mode. Writes go through content.tips and content.crisis."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.content import crisis, tips
from somevahti.content.models import CrisisMode, CrisisPause, Tip, TipMessage, TipPhoto
from somevahti.content.queries import channels_to_post_to
from somevahti.core.models import Unit
from somevahti.core.permissions import org_id, user_of
from somevahti.registry.api.channels import PersonSerializer
from somevahti.registry.models import Channel


def _valid(cls: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    incoming = cls(data=request.data, context={"request": request})
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


class TipMessageSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = TipMessage
        fields = ["id", "kind", "author", "text", "created_at"]
        read_only_fields = fields


class TipPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = TipPhoto
        fields = ["id", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class TipSerializer(serializers.ModelSerializer):
    sender = PersonSerializer(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    state = serializers.CharField(read_only=True, help_text=" | ".join(Tip.State.values))
    photos = TipPhotoSerializer(many=True, read_only=True)
    messages = TipMessageSerializer(many=True, read_only=True)

    class Meta:
        model = Tip
        fields = [
            "id",
            "unit",
            "unit_name",
            "sender",
            "text",
            "event_date",
            "shows_people",
            "consent_confirmed",
            "consent_how",
            "state",
            "post",
            "decline_reason",
            "photos",
            "messages",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TipWriteSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    text = serializers.CharField(allow_blank=True)
    event_date = serializers.DateField()
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    shows_people = serializers.BooleanField(required=False, default=False)
    consent_confirmed = serializers.BooleanField(required=False, default=False)
    consent_how = serializers.CharField(allow_blank=True, required=False, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["unit"])
            field.queryset = Unit.objects.filter(organisation_id=org_id(user_of(request)))


class DraftSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, required=False, default="")
    channels = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Channel.objects.none(), required=False, default=list
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = cast(serializers.ManyRelatedField, self.fields["channels"])
            relation = cast(serializers.PrimaryKeyRelatedField, field.child_relation)
            relation.queryset = channels_to_post_to(user_of(request))


class DraftResultSerializer(serializers.Serializer):
    post = serializers.IntegerField(help_text="The new draft; see /api/v1/posts/{id}/.")
    tip = serializers.IntegerField()


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class AnswerSerializer(TextSerializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class TipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The user's own tips and, for channel owners and communications, the tips of their
    units (``box=mine`` or ``box=triage``). Photos are sent as multipart form data."""

    serializer_class = TipSerializer
    queryset = Tip.objects.none()
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[Tip]:
        user = user_of(self.request)
        box = self.request.query_params.get("box")
        qs = (
            tips.my_tips(user)
            if box == "mine"
            else tips.triage_queue(user)
            if box == "triage"
            else tips.tips_visible_to(user)
        )
        if (state := self.request.query_params.get("state")) in Tip.State.values:
            qs = qs.filter(state=state)
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=["mine", "triage"]),
            OpenApiParameter("state", str, enum=Tip.State.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _out(self, tip: Tip) -> dict[str, Any]:
        fresh = tips.tips_visible_to(user_of(self.request)).get(pk=tip.pk)
        return cast(dict[str, Any], TipSerializer(fresh).data)

    @extend_schema(request=TipWriteSerializer, responses={201: TipSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d = _valid(TipWriteSerializer, request)
        tip = tips.send_tip(user_of(request), d.pop("unit"), d)
        return Response(self._out(tip), status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftSerializer, responses={201: DraftResultSerializer})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str | None = None) -> Response:
        """Turn the tip into a draft post (channel owners and communications)."""
        d = _valid(DraftSerializer, request)
        tip = self.get_object()
        post = tips.to_draft(user_of(request), tip, d["title"], d["channels"])
        return Response({"post": post.pk, "tip": tip.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=TextSerializer, responses=TipSerializer)
    @action(detail=True, methods=["post"], url_path="ask")
    def ask(self, request: Request, pk: str | None = None) -> Response:
        d = _valid(TextSerializer, request)
        tip = self.get_object()
        tips.ask_more(user_of(request), tip, d["text"])
        return Response(self._out(tip))

    @extend_schema(request=AnswerSerializer, responses=TipSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """The sender adds to the tip after a question."""
        d = _valid(AnswerSerializer, request)
        tip = self.get_object()
        tips.answer(user_of(request), tip, d["text"], d["photos"])
        return Response(self._out(tip))

    @extend_schema(request=ReasonSerializer, responses=TipSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        d = _valid(ReasonSerializer, request)
        tip = self.get_object()
        tips.decline(user_of(request), tip, d["reason"])
        return Response(self._out(tip))


class CrisisPauseSerializer(serializers.ModelSerializer):
    post_title = serializers.CharField(source="post.title", read_only=True)
    post_state = serializers.CharField(source="post.state", read_only=True)

    class Meta:
        model = CrisisPause
        fields = [
            "id",
            "post",
            "post_title",
            "post_state",
            "previous_scheduled_at",
            "resolution",
            "resolved_at",
        ]
        read_only_fields = fields


class CrisisSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    started_by = PersonSerializer(read_only=True)
    ended_by = PersonSerializer(read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = CrisisMode
        fields = [
            "id",
            "unit",
            "unit_name",
            "reason",
            "active",
            "started_by",
            "started_at",
            "ended_by",
            "ended_at",
        ]
        read_only_fields = fields


class CrisisStartSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), help_text="The root unit means the whole organisation."
    )
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["unit"])
            field.queryset = Unit.objects.filter(organisation_id=org_id(user_of(request)))


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["resume", "reschedule", "cancel"])
    pause = serializers.IntegerField(
        required=False, help_text="One paused post (its pause id); leave out for all of them."
    )
    scheduled_at = serializers.DateTimeField(
        required=False, help_text="The new time for reschedule, with a time zone."
    )


class ResolveResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), help_text="Post ids.")
    left = serializers.ListField(
        child=serializers.IntegerField(), help_text="Post ids that need a decision one by one."
    )


class CrisisViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Crisis mode periods of the organisation. Switching on (POST) and off (``end``) is for
    the city manager or their delegate only (403 for anyone else)."""

    serializer_class = CrisisSerializer
    queryset = CrisisMode.objects.none()

    def get_queryset(self) -> QuerySet[CrisisMode]:
        qs = crisis.crises_visible_to(user_of(self.request))
        if self.request.query_params.get("active") == "true":
            qs = qs.filter(ended_at__isnull=True)
        return qs.order_by("-started_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("active", bool)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CrisisStartSerializer, responses={201: CrisisSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d = _valid(CrisisStartSerializer, request)
        item = crisis.start(user_of(request), d["unit"], d["reason"])
        return Response(CrisisSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CrisisSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        item = crisis.end(user_of(request), self.get_object())
        return Response(CrisisSerializer(item).data)

    @extend_schema(responses=CrisisPauseSerializer(many=True))
    @action(detail=True, methods=["get"])
    def paused(self, request: Request, pk: str | None = None) -> Response:
        """Every post this crisis paused and what became of it (crisis owner or delegate)."""
        item = self.get_object()
        if not crisis.can_switch(user_of(request), item.unit):
            raise PermissionDenied
        return Response(CrisisPauseSerializer(crisis.pauses_of(item), many=True).data)

    @extend_schema(request=ResolveSerializer, responses=ResolveResultSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """After the crisis: resume, reschedule or cancel one paused post or all of them."""
        d = _valid(ResolveSerializer, request)
        item = self.get_object()
        user = user_of(request)
        at = d.get("scheduled_at")
        if "pause" in d:
            pause = get_object_or_404(item.pauses.all(), pk=d["pause"])
            crisis.resolve(user, pause, d["action"], at)
            return Response({"done": [pause.post_id], "left": []})
        return Response(crisis.resolve_all(user, item, d["action"], at))


def register(router: DefaultRouter) -> None:
    router.register("tips", TipViewSet, basename="tip")
    router.register("crisis", CrisisViewSet, basename="crisis")
