"""Forms for the inbox pages. Writes go through ``inbox.actions`` and ``inbox.replies``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import units_for, users_with_role_over
from somevahti.core.roles import Perm, roles_with
from somevahti.inbox.models import Conversation, SavedReply
from somevahti.inbox.models.items import Klass
from somevahti.inbox.queries import Filters
from somevahti.registry.forms.channels import PersonChoiceField, UnitChoiceField, people_of
from somevahti.registry.models import Channel
from somevahti.registry.queries import channels_visible_to

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _blank(choices: Any, label: Any = None) -> list[tuple[str, Any]]:
    return [("", label or _("All")), *choices]


class ChannelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_platform_display()})"


class ConversationFilterForm(forms.Form):
    """The list's GET filters; the API reads the same parameters."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.SearchInput)
    channel = ChannelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False
    )
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    klass = forms.ChoiceField(label=_("Class"), choices=_blank(Klass.choices), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("Open (new, assigned, waiting)")),
            ("all", _("All")),
            *Conversation.State.choices,
        ],
        required=False,
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    due_before = forms.DateTimeField(
        label=_("Answer due before"),
        required=False,
        input_formats=[LOCAL_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        channels = channels_visible_to(user).order_by("name", "id")
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units_for(user, Perm.VIEW_REGISTRY).order_by("path")  # type: ignore[attr-defined]
        people = [(str(p.pk), p.get_full_name() or p.username) for p in people_of(user)]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("mine", _("Me")),
            ("none", _("Nobody yet")),
            *people,
        ]

    def clean_due_before(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("due_before")
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=clock.HELSINKI)
        return value

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        d = self.cleaned_data
        return Filters(
            channel=d["channel"].pk if d.get("channel") else None,
            unit_path=d["unit"].path if d.get("unit") else "",
            klass=d.get("klass") or "",
            state=d.get("state") or "",
            assignee=d.get("assignee") or "",
            due_before=d.get("due_before"),
            q=(d.get("q") or "").strip(),
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your colleagues see notes; they are never sent."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The reply form on the same page also has a "text" field: ids must differ.
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    assignee = PersonChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, conversation: Conversation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # People who can see the conversation's unit (a staff role on it or above).
        people = users_with_role_over(conversation.unit, roles_with(Perm.VIEW_REGISTRY))
        self.fields["assignee"].queryset = people.order_by(  # type: ignore[attr-defined]
            "last_name", "first_name", "username"
        )
        if conversation.assignee_id:
            self.initial.setdefault("assignee", conversation.assignee_id)


class CorrectForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    klass = forms.ChoiceField(label=_("Correct class"), choices=Klass.choices)
    note = forms.CharField(
        label=_("Why (helps to improve the rules)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Checked like posts before it is sent."),
    )
    override_reason = forms.CharField(
        label=_("Why may this be sent anyway?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The findings the writer saw when giving the reason: a new finding is never waved through.
    overrides = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            values = self.data.getlist("overrides") if hasattr(self.data, "getlist") else []
            self.fields["overrides"].choices = [(v, v) for v in values]  # type: ignore[attr-defined]


class SavedReplyPickForm(forms.Form):
    saved = forms.ModelChoiceField(
        label=_("Saved reply"), queryset=SavedReply.objects.none(), required=False
    )

    def __init__(self, replies: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved"].queryset = replies  # type: ignore[attr-defined]
        self.fields["saved"].label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"{r.title} ({r.get_language_display()})"
        )


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))


class SettleForm(forms.Form):
    url = forms.URLField(
        label=_("Address of the reply on the platform"), required=False, assume_scheme="https"
    )


class CancelReplyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
