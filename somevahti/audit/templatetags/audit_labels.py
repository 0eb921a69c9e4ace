"""Template filters that turn audit codes into translated labels."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from somevahti.audit.labels import target_label, verb_label
from somevahti.audit.models import AuditEvent

register = template.Library()


@register.filter(name="verb_label")
def verb_label_filter(verb: str) -> str:
    return verb_label(verb)


@register.filter(name="target_label")
def target_label_filter(target_type: str) -> str:
    return target_label(target_type)


# Object pages an event can link to; anything else is shown as text.
_TARGET_PAGES = {
    "registry.channel": "registry:channel_detail",
    "registry.channelrequest": "registry:request_detail",
    "registry.dormancyreview": "registry:dormancy_review",
    "content.post": "content:post_detail",
    "inbox.conversation": "inbox:conversation",
}


@register.filter(name="target_url")
def target_url(event: AuditEvent) -> str:
    name = _TARGET_PAGES.get(event.target_type)
    if name is None or not event.target_id.isdigit():
        return ""
    try:
        return reverse(name, args=[int(event.target_id)])
    except NoReverseMatch:
        return ""
