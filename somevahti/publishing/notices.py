"""Who is told when a delivery needs a person, in their own language."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from somevahti.core.actions import notify, url_for
from somevahti.core.models import User
from somevahti.core.permissions import users_with_role_over
from somevahti.core.roles import Role
from somevahti.publishing.messages import explain
from somevahti.publishing.models import Connection, Delivery


def _owners(delivery: Delivery) -> set[User]:
    people = set(delivery.channel.responsibles.filter(is_active=True))
    author = User.objects.filter(pk=delivery.post.author_id, is_active=True).first()
    if author is not None:
        people.add(author)
    return people


def _it_and_owners(conn: Connection) -> QuerySet[User] | set[User]:
    channel = conn.channel
    people = set(channel.responsibles.filter(is_active=True))
    people |= set(users_with_role_over(channel.unit, [Role.IT]))
    return people


def delivery_failed(delivery: Delivery) -> None:
    for person in _owners(delivery):
        notify(
            person,
            lambda d=delivery: (
                _("“%(post)s” could not be published on %(channel)s: %(why)s")
                % {"post": d.post.title, "channel": d.channel.name, "why": explain(d.error_kind)}
            ),
            url_for(person, "content:post_detail", delivery.post_id),
        )


def delivery_unconfirmed(delivery: Delivery) -> None:
    for person in _owners(delivery):
        notify(
            person,
            lambda d=delivery: (
                _(
                    "Check whether “%(post)s” appeared on %(channel)s: "
                    "Somevahti could not confirm it."
                )
                % {"post": d.post.title, "channel": d.channel.name}
            ),
            url_for(person, "content:post_detail", delivery.post_id),
        )


def delivery_warning(delivery: Delivery, warnings: list[str]) -> None:
    for person in _owners(delivery):
        notify(
            person,
            lambda d=delivery: (
                _("“%(post)s” on %(channel)s: %(why)s")
                % {
                    "post": d.post.title,
                    "channel": d.channel.name,
                    "why": " ".join(explain(w) for w in warnings),
                }
            ),
            url_for(person, "content:post_detail", delivery.post_id),
        )


def connection_lost(conn: Connection, kind: str) -> None:
    for person in _it_and_owners(conn):
        notify(
            person,
            lambda c=conn: (
                _(
                    "Publishing on %(channel)s has stopped: %(why)s Posts wait until the account "
                    "is connected again."
                )
                % {"channel": c.channel.name, "why": explain(kind)}
            ),
            url_for(person, "registry:channel_detail", conn.channel_id),
        )


def connection_expiring(conn: Connection, days: int) -> None:
    for person in _it_and_owners(conn):
        notify(
            person,
            lambda c=conn, n=days: (
                _(
                    "The connection to %(channel)s expires in %(days)s days. Connect it again "
                    "so that publishing does not stop."
                )
                % {"channel": c.channel.name, "days": n}
            ),
            url_for(person, "registry:channel_detail", conn.channel_id),
        )
