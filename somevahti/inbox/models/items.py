"""Conversations (the unit of work: state, assignee, route, target) and their items."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Klass(models.TextChoices):
    QUESTION = "question", _("Question")
    FEEDBACK = "feedback", _("Feedback")
    NEGATIVE = "negative", _("Negative feedback")
    MEDIA = "media", _("Media inquiry")
    CRISIS = "crisis", _("Crisis signal")
    OFFICIAL = "official", _("Official matter")
    SPAM = "spam", _("Spam")
    OTHER = "other", _("Other")


class Conversation(models.Model):
    """Items from one author in one thread (a comment thread or a private chat)."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        ASSIGNED = "assigned", _("Assigned")
        WAITING = "waiting", _("Waiting for the sender")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Public comment")
        MESSAGE = "message", _("Private message")
        MENTION = "mention", _("Mention")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="conversations"
    )
    channel = models.ForeignKey(
        "registry.Channel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("channel"),
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="conversations", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Stable per platform thread and author: the same pair always lands in one conversation.
    thread_key = models.CharField(max_length=300)
    author_handle = models.CharField(_("sender"), max_length=300, blank=True)
    author_name = models.CharField(_("sender's name"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW, db_index=True
    )
    klass = models.CharField(
        _("class"), max_length=20, choices=Klass.choices, default=Klass.OTHER, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        verbose_name=_("assignee"),
    )
    route_reasons = models.JSONField(_("why it went here"), default=list, blank=True)
    suggest_crisis = models.BooleanField(default=False)
    # The response clock: when the first unanswered item came, and its target in real time.
    waiting_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("answer by"), null=True, blank=True, db_index=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_auto_reply_at = models.DateTimeField(null=True, blank=True)
    last_item_at = models.DateTimeField(_("latest"), db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_item_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "thread_key"], name="conversation_unique_thread"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "-last_item_at"]),
            models.Index(fields=["organisation", "klass", "-last_item_at"]),
            models.Index(fields=["organisation", "assignee", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.author_name or self.author_handle} ({self.get_kind_display()})"


class InboxItem(models.Model):
    """One message, comment or mention, in or out (replies are items too)."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="inbox_items"
    )
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    channel = models.ForeignKey(
        "registry.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raw_event = models.ForeignKey(
        "inbox.RawEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.IN)
    # The platform's id of this item; unique per organisation and source.
    external_id = models.CharField(max_length=300)
    source = models.CharField(max_length=30)
    parent_external_id = models.CharField(max_length=300, blank=True)
    author_handle = models.CharField(_("sender"), max_length=300, blank=True)
    author_name = models.CharField(_("sender's name"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"))
    klass = models.CharField(
        _("class"), max_length=20, choices=Klass.choices, default=Klass.OTHER, db_index=True
    )
    class_reasons = models.JSONField(_("reasons"), default=list, blank=True)
    automatic = models.BooleanField(default=False)  # an auto-reply
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For replies: the delivery state through the connector (like a post's delivery).
    delivery_state = models.CharField(max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "external_id"], name="inbox_item_unique_external"
            )
        ]
        indexes = [models.Index(fields=["organisation", "-received_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class Note(models.Model):
    """An internal note on a conversation: never sent anywhere."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Correction(models.Model):
    """Staff changed an item's class: kept so the rules can be improved."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="corrections")
    from_class = models.CharField(max_length=20, choices=Klass.choices)
    to_class = models.CharField(max_length=20, choices=Klass.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("why"), blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("class correction")
        verbose_name_plural = _("class corrections")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_class} → {self.to_class}"
