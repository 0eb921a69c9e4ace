"""Test data builders shared by every app's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from somevahti.core import actions as core_actions
from somevahti.core.models import Organisation, Unit, User
from somevahti.registry.models import Audience, Channel, ChannelRequest

_seq = itertools.count(1)


def organisation(name: str = "") -> Organisation:
    n = next(_seq)
    return core_actions.create_organisation(name or f"Testikunta {n}", f"testikunta-{n}")


def root(org: Organisation) -> Unit:
    return core_actions.root_unit(org)


def unit(parent: Unit, name: str = "", kind: str = Unit.Kind.UNIT) -> Unit:
    return core_actions.create_unit(parent, name or f"Yksikkö {next(_seq)}", kind)


def user(org: Organisation, *roles_at: tuple[str, Unit], username: str = "", **extra: Any) -> User:
    name = username or f"user{next(_seq)}"
    u = User.objects.create_user(
        username=name,
        password="salasana-testi-1",
        organisation=org,
        email=f"{name}@example.test",
        **extra,
    )
    for role, at in roles_at:
        core_actions.assign_role(u, at, role)
    return u


def audience(org: Organisation, name: str = "") -> Audience:
    return Audience.objects.create(organisation=org, name=name or f"Kohderyhmä {next(_seq)}")


def channel(unit_: Unit, *responsibles: User, **fields: Any) -> Channel:
    fields.setdefault("platform", "facebook")
    fields.setdefault("name", f"Kanava {next(_seq)}")
    fields.setdefault("status", "active")
    c = Channel.objects.create(organisation_id=unit_.organisation_id, unit=unit_, **fields)
    c.responsibles.set(responsibles)
    return c


def channel_request(unit_: Unit, requester: User, **fields: Any) -> ChannelRequest:
    from somevahti.core import clock

    fields.setdefault("platform", "instagram")
    fields.setdefault("name", f"Uusi tili {next(_seq)}")
    defaults = {
        "purpose": "Nuoret eivät tavoita meitä muualla.",
        "content_plan": "Tapahtumat ja kuvat arjesta.",
        "promotion_plan": "Julisteet ja koulujen tiedotteet.",
        "evaluation_plan": "Seuraajamäärä ja kommentit kuukausittain.",
        "first_evaluation_on": dt.date(2027, 6, 1),
    }
    for k, v in defaults.items():
        fields.setdefault(k, v)
    r = ChannelRequest.objects.create(
        organisation_id=unit_.organisation_id,
        unit=unit_,
        requested_by=requester,
        created_at=clock.now(),
        **fields,
    )
    r.proposed_responsibles.set([requester])
    return r
