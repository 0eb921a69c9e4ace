"""The inbox: raw events kept first, then conversations of items, classified and routed by
rules the organisation can read, answered within business-hour targets."""

from somevahti.inbox.models.events import IngestKey, RawEvent, WebhookRejection
from somevahti.inbox.models.items import Conversation, Correction, InboxItem, Note
from somevahti.inbox.models.rules import ClassificationRule, RoutingRule
from somevahti.inbox.models.service import (
    AutoReplySettings,
    BusinessHours,
    ClosedDay,
    ResponseTarget,
    SavedReply,
)

__all__ = [
    "AutoReplySettings",
    "BusinessHours",
    "ClassificationRule",
    "ClosedDay",
    "Conversation",
    "Correction",
    "InboxItem",
    "IngestKey",
    "Note",
    "RawEvent",
    "ResponseTarget",
    "RoutingRule",
    "SavedReply",
    "WebhookRejection",
]
