"""API for posts, their channel variants and review decisions. Writes go through actions."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.content import actions, api_calendar, api_programme, api_tips
from somevahti.content.models import ContentTag, Post, PostVariant, ReviewComment
from somevahti.content.queries import channels_to_post_to, post_rows, posts_visible_to, tags_of
from somevahti.core.models import Unit
from somevahti.core.permissions import org_id, user_of
from somevahti.registry.api.channels import PersonSerializer
from somevahti.registry.models import Channel

STATES = " | ".join(Post.State.values)


class PostVariantSerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    platform = serializers.CharField(source="channel.platform", read_only=True)
    text = serializers.SerializerMethodField(help_text="The text that goes out on this channel.")

    class Meta:
        model = PostVariant
        fields = ["id", "post", "channel", "channel_name", "platform", "body", "text"]
        read_only_fields = fields

    def get_text(self, obj: PostVariant) -> str:
        return obj.text()


class PostSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    author = PersonSerializer(read_only=True)
    approved_by = PersonSerializer(read_only=True)
    # A plain string: the state set is documented in the help text (no enum-name clash).
    state = serializers.CharField(read_only=True, help_text=STATES)
    variants = PostVariantSerializer(many=True, read_only=True)
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Post
        fields = [
            "id",
            "unit",
            "unit_name",
            "author",
            "title",
            "body",
            "tags",
            "state",
            "variants",
            "scheduled_at",
            "published_url",
            "approved_by",
            "approved_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PostWriteSerializer(serializers.Serializer):
    """Create (unit required) or update (version required: a stale one is 409)."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), required=False)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(allow_blank=True, required=False, default="")
    channels = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Channel.objects.none(), required=False, default=list
    )
    tags = serializers.PrimaryKeyRelatedField(
        many=True, queryset=ContentTag.objects.none(), required=False, default=list
    )
    variants = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text="Own text per channel: {channel id: text}. Empty uses the post's text.",
    )
    version = serializers.IntegerField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator builds it without one
            return
        user = user_of(request)
        for name, qs in (
            ("unit", Unit.objects.filter(organisation_id=org_id(user))),
            ("channels", channels_to_post_to(user)),
            ("tags", tags_of(user)),
        ):
            field = self.fields[name]
            if isinstance(field, serializers.ManyRelatedField):
                field = field.child_relation
            cast(serializers.PrimaryKeyRelatedField, field).queryset = qs

    def validate_variants(self, value: dict[str, str]) -> dict[int, str]:
        if any(not str(k).isdigit() for k in value):
            raise serializers.ValidationError("Keys are channel ids.")
        return {int(k): v for k, v in value.items()}


class ScheduleSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(help_text="With a time zone, e.g. +03:00 or Z.")
    version = serializers.IntegerField(required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ManualSerializer(serializers.Serializer):
    url = serializers.CharField()
    version = serializers.IntegerField(required=False)


class OverrideSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    rule = serializers.CharField()
    text_hash = serializers.CharField(help_text="The finding's hash as the findings list shows.")
    reason = serializers.CharField(allow_blank=True)


def _fresh(post: Post) -> dict[str, Any]:
    return cast(
        dict[str, Any], PostSerializer(post_rows(Post.objects.filter(pk=post.pk)).get()).data
    )


class PostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Posts of the units the user works in. Updates carry the version they were based on."""

    serializer_class = PostSerializer
    queryset = Post.objects.none()

    def get_queryset(self) -> QuerySet[Post]:
        qs = posts_visible_to(user_of(self.request))
        params = self.request.query_params
        if (state := params.get("state")) in Post.State.values:
            qs = qs.filter(state=state)
        if (channel := params.get("channel", "")).isdigit():
            qs = qs.filter(variants__channel_id=int(channel))
        return post_rows(qs).order_by("-updated_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=Post.State.values),
            OpenApiParameter("channel", int),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _incoming(self, request: Request) -> dict[str, Any]:
        incoming = PostWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        return dict(incoming.validated_data)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._incoming(request)
        unit = data.pop("unit", None)
        if unit is None:
            raise serializers.ValidationError({"unit": ["This field is required."]})
        post = actions.create_post(user_of(request), unit, data)
        return Response(_fresh(post), status=status.HTTP_201_CREATED)

    @extend_schema(request=PostWriteSerializer, responses=PostSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        post = self.get_object()
        data = self._incoming(request)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        if kwargs.get("partial"):
            keep = {
                "channels": [v.channel for v in post.variants.all()],
                "tags": list(post.tags.all()),
                "variants": {v.channel_id: v.body for v in post.variants.all()},
            }
            for key, value in keep.items():
                if key not in request.data:
                    data[key] = value
            if "body" not in request.data:
                data["body"] = post.body
        actions.update_post(user_of(request), post, data, data.pop("version"))
        return Response(_fresh(post))

    @extend_schema(request=PostWriteSerializer, responses=PostSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=VersionSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send for review; blocking findings without an override give 400."""
        d = _valid(VersionSerializer, request)
        post = actions.submit_for_review(user_of(request), self.get_object(), d.get("version"))
        return Response(_fresh(post))

    @extend_schema(request=ScheduleSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        d = _valid(ScheduleSerializer, request)
        post = actions.schedule(
            user_of(request), self.get_object(), d["scheduled_at"], d.get("version")
        )
        return Response(_fresh(post))

    @extend_schema(request=VersionSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        d = _valid(VersionSerializer, request)
        post = actions.cancel(user_of(request), self.get_object(), d["reason"], d.get("version"))
        return Response(_fresh(post))

    @extend_schema(request=ManualSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"], url_path="published-manually")
    def published_manually(self, request: Request, pk: str | None = None) -> Response:
        d = _valid(ManualSerializer, request)
        post = actions.mark_published_manually(
            user_of(request), self.get_object(), d["url"], d.get("version")
        )
        return Response(_fresh(post))

    @extend_schema(request=OverrideSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str | None = None) -> Response:
        """Let one blocking finding through with a reason (who may: see the interface)."""
        d = _valid(OverrideSerializer, request)
        post = self.get_object()
        variant = next((v for v in post.variants.all() if v.channel_id == d["channel"]), None)
        if variant is None:
            raise serializers.ValidationError({"channel": ["Not a channel of this post."]})
        actions.override_check(
            user_of(request), post, variant.channel, d["rule"], d["text_hash"], d["reason"]
        )
        return Response(_fresh(post))


def _valid(cls: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    incoming = cls(data=request.data)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


class PostVariantViewSet(viewsets.ReadOnlyModelViewSet):
    """Each post's text per channel."""

    serializer_class = PostVariantSerializer
    queryset = PostVariant.objects.none()

    def get_queryset(self) -> QuerySet[PostVariant]:
        qs = PostVariant.objects.filter(post__in=posts_visible_to(user_of(self.request)))
        if (post := self.request.query_params.get("post", "")).isdigit():
            qs = qs.filter(post_id=int(post))
        return qs.select_related("channel", "post").order_by("post_id", "id")

    @extend_schema(parameters=[OpenApiParameter("post", int)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class ReviewCommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = ReviewComment
        fields = ["id", "post", "author", "text", "created_at"]
        read_only_fields = fields


class ReviewDecisionSerializer(serializers.Serializer):
    post = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = serializers.CharField(allow_blank=True, required=False, default="")
    version = serializers.IntegerField(required=False)


class ReviewViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Review comments (GET) and review decisions (POST approve or reject; a rejection
    needs a comment). The author never approves where the unit has four eyes."""

    serializer_class = ReviewCommentSerializer
    queryset = ReviewComment.objects.none()

    def get_queryset(self) -> QuerySet[ReviewComment]:
        qs = ReviewComment.objects.filter(post__in=posts_visible_to(user_of(self.request)))
        if (post := self.request.query_params.get("post", "")).isdigit():
            qs = qs.filter(post_id=int(post))
        return qs.select_related("author").order_by("post_id", "created_at", "id")

    @extend_schema(parameters=[OpenApiParameter("post", int)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReviewDecisionSerializer, responses=PostSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d = _valid(ReviewDecisionSerializer, request)
        user = user_of(request)
        qs = posts_visible_to(user).prefetch_related(
            Prefetch("variants", PostVariant.objects.select_related("channel"))
        )
        post = qs.filter(pk=d["post"]).first()
        if post is None:
            from django.http import Http404

            raise Http404
        if d["verdict"] == "approve":
            post = actions.approve(user, post, d.get("version"), d["comment"])
        else:
            post = actions.reject(user, post, d["comment"], d.get("version"))
        return Response(_fresh(post))


def register(router: DefaultRouter) -> None:
    router.register("posts", PostViewSet, basename="post")
    router.register("post-variants", PostVariantViewSet, basename="post-variant")
    router.register("reviews", ReviewViewSet, basename="review")
    api_calendar.register(router)
    api_tips.register(router)
    api_programme.register(router)
