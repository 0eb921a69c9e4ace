from __future__ import annotations

from django import template

from somevahti.publishing.models import Connection
from somevahti.registry.models import Channel

register = template.Library()


@register.simple_tag
def connection_of(channel: Channel) -> Connection | None:
    return Connection.objects.filter(channel=channel).first()
