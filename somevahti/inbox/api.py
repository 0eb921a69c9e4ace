"""Inbox API: items (read), conversations (read; PATCH state and assignee), and the
organisation's routing rules, response targets and saved replies (CRUD). Everything is
scoped to the caller's organisation (and, for conversations, units); writes go through
``inbox.actions``."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from somevahti.core.models import User
from somevahti.core.permissions import org_id, user_of
from somevahti.inbox import actions, queries, routing
from somevahti.inbox.forms import ConversationFilterForm
from somevahti.inbox.models import (
    Conversation,
    InboxItem,
    ResponseTarget,
    RoutingRule,
    SavedReply,
)
from somevahti.inbox.models.items import Klass
from somevahti.registry.api.channels import PersonSerializer
from somevahti.registry.models import Channel

STATES = " | ".join(Conversation.State.values)
KINDS = " | ".join(Conversation.Kind.values)


class InboxItemSerializer(serializers.ModelSerializer[InboxItem]):
    direction = serializers.CharField(read_only=True, help_text="in | out")
    delivery_state = serializers.CharField(
        read_only=True,
        help_text="Replies only: awaiting_approval | queued | sending | sent | failed | "
        "unconfirmed | cancelled",
    )

    class Meta:
        model = InboxItem
        fields = [
            "id",
            "conversation",
            "channel",
            "direction",
            "source",
            "external_id",
            "parent_external_id",
            "author_handle",
            "author_name",
            "text",
            "language",
            "url",
            "sent_at",
            "received_at",
            "klass",
            "class_reasons",
            "automatic",
            "sent_by",
            "delivery_state",
            "error_detail",
        ]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer[Conversation]):
    channel_name = serializers.CharField(source="channel.name", read_only=True, default="")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=KINDS)
    # Plain strings: the sets are in the help text (no enum-name clash with other "state"s).
    state = serializers.CharField(read_only=True, help_text=STATES)
    assignee = PersonSerializer(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "channel",
            "channel_name",
            "unit",
            "unit_name",
            "kind",
            "author_handle",
            "author_name",
            "language",
            "state",
            "klass",
            "assignee",
            "route_reasons",
            "suggest_crisis",
            "waiting_since",
            "due_at",
            "first_response_at",
            "last_item_at",
            "created_at",
        ]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    route = serializers.SerializerMethodField(
        help_text="Why it went where it went, in the caller's language."
    )

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "route"]
        read_only_fields = fields

    def get_route(self, obj: Conversation) -> list[str]:
        return routing.describe_route(obj)


class ConversationUpdateSerializer(serializers.Serializer):
    state = serializers.CharField(required=False, help_text=STATES)
    assignee = serializers.IntegerField(
        required=False, help_text="A person who can see the conversation's unit."
    )


FILTERS = [
    OpenApiParameter("q", str, description="Search in the sender and the messages' text."),
    OpenApiParameter("channel", int),
    OpenApiParameter("unit", int, description="The unit and the units below it."),
    OpenApiParameter("klass", str, enum=Klass.values),
    OpenApiParameter(
        "state",
        str,
        description=f"all | {STATES}; none given: the open ones (new, assigned, waiting)",
    ),
    OpenApiParameter("assignee", str, description="mine | none | a user id"),
    OpenApiParameter("due_before", str, description="YYYY-MM-DDTHH:MM, Helsinki time"),
]


class ConversationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Conversations of the units the caller works in, the soonest due first."""

    queryset = Conversation.objects.none()
    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ConversationSerializer if self.action == "list" else ConversationDetailSerializer

    def get_queryset(self) -> QuerySet[Conversation]:
        user = user_of(self.request)
        qs = queries.conversations_visible_to(user)
        if self.action == "list":
            form = ConversationFilterForm(user, self.request.query_params or None)
            if form.is_bound and not form.is_valid():
                raise serializers.ValidationError(form.errors.get_json_data())
            qs = queries.apply_filters(qs, user, form.filters())
        return queries.ordered(qs.select_related("channel", "unit", "assignee"))

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ConversationUpdateSerializer, responses=ConversationDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = user_of(request)
        conv = self.get_object()
        incoming = ConversationUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        d = incoming.validated_data
        if "assignee" in d:
            person = User.objects.filter(pk=d["assignee"], organisation_id=org_id(user)).first()
            if person is None:
                raise serializers.ValidationError({"assignee": ["Unknown person."]})
            routing.assign(user, conv, person)
        if "state" in d:
            if d["state"] not in Conversation.State.values:
                raise serializers.ValidationError({"state": [f"One of: {STATES}"]})
            actions.set_state(user, conv, d["state"])
        fresh = self.get_queryset().get(pk=conv.pk)
        return Response(ConversationDetailSerializer(fresh).data)


class InboxItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Messages in and out (replies, automatic replies) of visible conversations."""

    serializer_class = InboxItemSerializer
    queryset = InboxItem.objects.none()

    def get_queryset(self) -> QuerySet[InboxItem]:
        qs = queries.items_visible_to(user_of(self.request))
        if (conv := self.request.query_params.get("conversation", "")).isdigit():
            qs = qs.filter(conversation_id=int(conv))
        return qs.order_by("-received_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("conversation", int)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- the organisation's settings ---------------------------------------------------------


class _OrgScoped(serializers.ModelSerializer):
    """Related choices limited to the caller's organisation (none while building the schema)."""

    scoped_fields: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        if user is None or not user.is_authenticated:
            return
        org = org_id(user)
        for name, model in self.scoped_fields.items():
            field = cast(serializers.PrimaryKeyRelatedField, self.fields[name])
            field.queryset = model.objects.filter(organisation_id=org)


class RoutingRuleSerializer(_OrgScoped):
    scoped_fields = {"person": User}
    targets = serializers.ListField(
        child=serializers.ChoiceField(choices=RoutingRule.Target.choices),
        help_text="Tried in order; the first that finds an active person gets it.",
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), allow_null=True, required=False
    )

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "klass",
            "targets",
            "person",
            "instructions",
            "suggest_crisis",
            "enabled",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        validators: list[Any] = []  # one rule per class: the action says so in words


class ResponseTargetSerializer(_OrgScoped):
    scoped_fields = {"channel": Channel}
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.none(), allow_null=True, required=False
    )

    class Meta:
        model = ResponseTarget
        fields = ["id", "channel", "klass", "business_minutes", "warn_before_minutes"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class SavedReplySerializer(serializers.ModelSerializer[SavedReply]):
    class Meta:
        model = SavedReply
        fields = ["id", "title", "language", "text", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class _SettingsViewSet(viewsets.ModelViewSet):
    """Read by everyone in the organisation; written through the named actions."""

    # (actor, instance or None, data) -> instance; (actor, instance); (user) -> queryset
    save_action: Any = None
    delete_action: Any = None
    rows_of: Any = None

    def get_queryset(self) -> QuerySet[Any]:
        return cast(QuerySet[Any], type(self).rows_of(user_of(self.request)).order_by("pk"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = type(self).save_action(user_of(self.request), None, data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        instance = serializer.instance
        serializer.instance = type(self).save_action(user_of(self.request), instance, data)

    def perform_destroy(self, instance: Any) -> None:
        type(self).delete_action(user_of(self.request), instance)


class RoutingRuleViewSet(_SettingsViewSet):
    """Where each class goes (organisation admins edit)."""

    serializer_class = RoutingRuleSerializer
    queryset = RoutingRule.objects.none()
    save_action = staticmethod(actions.save_routing_rule)
    delete_action = staticmethod(actions.delete_routing_rule)
    rows_of = staticmethod(queries.routing_rules_of)


class ResponseTargetViewSet(_SettingsViewSet):
    """Answer within this many business minutes (organisation admins edit)."""

    serializer_class = ResponseTargetSerializer
    queryset = ResponseTarget.objects.none()
    save_action = staticmethod(actions.save_response_target)
    delete_action = staticmethod(actions.delete_response_target)
    rows_of = staticmethod(queries.response_targets_of)


class SavedReplyViewSet(_SettingsViewSet):
    """Ready answers in fi/sv/en (communications edit)."""

    serializer_class = SavedReplySerializer
    queryset = SavedReply.objects.none()
    save_action = staticmethod(actions.save_saved_reply)
    delete_action = staticmethod(actions.delete_saved_reply)
    rows_of = staticmethod(queries.saved_replies_of)


def register(router: DefaultRouter) -> None:
    router.register("inbox-items", InboxItemViewSet, basename="inbox-item")
    router.register("conversations", ConversationViewSet, basename="conversation")
    router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
    router.register("response-targets", ResponseTargetViewSet, basename="response-target")
    router.register("saved-replies", SavedReplyViewSet, basename="saved-reply")
