"""Forms for the post editor and the review actions. Saving goes through content.actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from somevahti.content.models import ContentTag, Post
from somevahti.content.queries import channels_to_post_to, tags_of
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import units_for
from somevahti.core.roles import Perm
from somevahti.registry.forms.channels import UnitChoiceField
from somevahti.registry.models import Channel

VARIANT_PREFIX = "variant_"
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ChannelChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_platform_display()})"


class PostForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The unit the post is made for. Its reviewers approve it."),
    )
    title = forms.CharField(
        label=_("Working title"),
        max_length=200,
        help_text=_("Only shown inside Somevahti, e.g. in the calendar."),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "hx-post": reverse_lazy("content:check"),
                "hx-trigger": "keyup changed delay:600ms, load",
                "hx-target": "#live-findings",
                "hx-include": "closest form",
                "aria-describedby": "live-findings-heading",
            }
        ),
    )
    channels = ChannelChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the post will be published."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Content types"),
        queryset=ContentTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, Perm.VIEW_REGISTRY)  # type: ignore[attr-defined]
        channel_qs = channels_to_post_to(user).order_by("name", "id")
        self.fields["channels"].queryset = channel_qs  # type: ignore[attr-defined]
        channels = list(channel_qs)
        self.fields["tags"].queryset = tags_of(user)  # type: ignore[attr-defined]
        self.channel_list = channels
        for channel in channels:
            self.fields[f"{VARIANT_PREFIX}{channel.pk}"] = forms.CharField(
                label=_("Own text for %(channel)s") % {"channel": channel},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Leave empty to use the text above."),
            )

    def variant_fields(self) -> list[forms.BoundField]:
        return [self[f"{VARIANT_PREFIX}{c.pk}"] for c in self.channel_list]

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        chosen = {c.pk for c in d["channels"]}
        return {
            "title": d["title"],
            "body": d["body"],
            "channels": list(d["channels"]),
            "tags": list(d["tags"]),
            "variants": {
                c.pk: d.get(f"{VARIANT_PREFIX}{c.pk}", "")
                for c in self.channel_list
                if c.pk in chosen
            },
        }


def initial_for(post: Post) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "unit": post.unit_id,
        "title": post.title,
        "body": post.body,
        "channels": [v.channel_id for v in post.variants.all()],
        "tags": [t.pk for t in post.tags.all()],
        "version": post.version,
    }
    for v in post.variants.all():
        initial[f"{VARIANT_PREFIX}{v.channel_id}"] = v.body
    return initial


class MediaForm(forms.Form):
    file = forms.FileField(
        label=_("Image or video"),
        help_text=_("Images: JPEG, PNG, GIF or WebP. Videos: MP4 or MOV."),
    )
    alt_text = forms.CharField(
        label=_("Alt text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Describe what the image shows, for people who cannot see it."),
    )
    captions = forms.FileField(
        label=_("Captions file (SRT or WebVTT)"),
        required=False,
        help_text=_("Needed for a video."),
    )


class _Prefixed(forms.Form):
    """Several small forms share the detail page: each gets its own element ids."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class CommentForm(_Prefixed):
    id_prefix = "comment"

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(_Prefixed):
    id_prefix = "review"
    comment = forms.CharField(
        label=_("Comment for the author"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you return the post for changes."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def parse_local(value: str) -> dt.datetime:
    """A datetime-local value read as Helsinki time; a time skipped by the spring clock
    change does not exist and is refused."""
    naive = dt.datetime.strptime(value, LOCAL_FORMAT)
    aware = naive.replace(tzinfo=clock.HELSINKI)
    if aware.astimezone(dt.UTC).astimezone(clock.HELSINKI).replace(tzinfo=None) != naive:
        raise ValueError("skipped by the clock change")
    return aware


class ScheduleForm(_Prefixed):
    id_prefix = "schedule"
    scheduled_at = forms.CharField(
        label=_("Publish at (Finnish time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_scheduled_at(self) -> dt.datetime:
        try:
            return parse_local(self.cleaned_data["scheduled_at"])
        except ValueError:
            raise forms.ValidationError(_("Enter a date and time that exists.")) from None


class CancelForm(_Prefixed):
    id_prefix = "cancel"
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ManualForm(_Prefixed):
    id_prefix = "manual"
    url = forms.URLField(label=_("Address of the published post"), assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OverrideForm(_Prefixed):
    id_prefix = "override"
    channel = forms.IntegerField(widget=forms.HiddenInput)
    rule = forms.CharField(widget=forms.HiddenInput)
    text_hash = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why may this be published anyway?"), max_length=2000)


class PostFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any"))] + list(Post.State.choices)
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"), required=False, queryset=Channel.objects.none(), empty_label=_("Any")
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from somevahti.registry.queries import channels_visible_to

        self.fields["channel"].queryset = channels_visible_to(user).order_by("name")  # type: ignore[attr-defined]
