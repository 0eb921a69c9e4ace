"""Routing by the guideline: who answers a conversation, and why.

Each class has one ``RoutingRule``: ordered targets, the first that resolves to an active
person who may see the conversation's unit gets it. The steps are kept as data dicts
(``route_reasons``), put into words by ``describe_route`` in the reader's language. A
hand-made assignment (a ``manual`` reason) sticks unless the assignee is no longer active.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.models import Organisation, Unit, User
from somevahti.core.permissions import has_perm, require, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.inbox.models import Conversation, InboxItem, RoutingRule
from somevahti.inbox.models.items import Klass

T = RoutingRule.Target
Reason = dict[str, Any]
_ROUTE_FIELDS = ["assignee", "state", "route_reasons", "suggest_crisis"]

# The organisation's own text, so it is stored in Finnish rather than translated.
OFFICIAL_INSTRUCTIONS = (
    "Tämä viesti on todennäköisesti virallinen asia, esimerkiksi tietopyyntö, "
    "oikaisuvaatimus, muistutus tai kantelu. Välitä viesti liitteineen kirjaamoon: "
    "virallinen asia on kirjattava asianhallintaan, ja kirjaamo ohjaa sen käsittelijälle. "
    "Älä ratkaise asiaa somessa. Vastaa lähettäjälle vain, että viesti on vastaanotettu "
    "ja välitetty kirjaamoon, ja kerro, mistä käsittelyä voi kysyä. Älä toista "
    "henkilötietoja julkisessa vastauksessa."
)

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    Klass.MEDIA: {"targets": [T.CHANNEL_OWNER, T.UNIT_DIRECTOR, T.CITY_MANAGER]},
    # Communications as a last resort so a problem or a crisis never waits unowned.
    Klass.NEGATIVE: {"targets": [T.UNIT_DIRECTOR, T.COMMUNICATIONS]},
    Klass.CRISIS: {"targets": [T.CITY_MANAGER, T.COMMUNICATIONS], "suggest_crisis": True},
    # The named person is the registry office contact, set by the organisation.
    Klass.OFFICIAL: {
        "targets": [T.PERSON, T.COMMUNICATIONS],
        "instructions": OFFICIAL_INSTRUCTIONS,
    },
    Klass.QUESTION: {"targets": [T.CHANNEL_OWNER, T.COMMUNICATIONS]},
    Klass.FEEDBACK: {"targets": [T.CHANNEL_OWNER, T.COMMUNICATIONS]},
    # Spam goes to nobody: it stays "new" and unassigned, visible to whoever sweeps the inbox.
    Klass.SPAM: {"targets": []},
    Klass.OTHER: {"targets": [T.CHANNEL_OWNER]},
}

_ROLE_OF_TARGET: dict[str, str] = {
    T.UNIT_DIRECTOR: Role.UNIT_DIRECTOR,
    T.CITY_MANAGER: Role.CITY_MANAGER,
    T.COMMUNICATIONS: Role.COMMUNICATIONS,
}


def ensure_default_routing(organisation: Organisation) -> None:
    """Create the guideline's rules for classes that have none; edited rules are kept."""
    have = set(
        RoutingRule.objects.filter(organisation=organisation).values_list("klass", flat=True)
    )
    now = clock.now()
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(
                organisation=organisation,
                klass=klass,
                targets=[str(t) for t in spec["targets"]],
                instructions=spec.get("instructions", ""),
                suggest_crisis=spec.get("suggest_crisis", False),
                updated_at=now,
            )
            for klass, spec in DEFAULT_RULES.items()
            if klass not in have
        ],
        ignore_conflicts=True,  # two workers creating the defaults at once
    )


def can_see(user: User, unit: Unit) -> bool:
    """Active, of the unit's organisation, and holding a staff role over the unit."""
    return (
        user.is_active
        and user.organisation_id == unit.organisation_id
        and has_perm(user, Perm.VIEW_REGISTRY, unit)
    )


def _channel_owner(conversation: Conversation) -> tuple[User | None, str]:
    if conversation.channel is None:
        return None, "no_channel"
    org = conversation.organisation_id
    people = list(conversation.channel.responsibles.filter(organisation_id=org).order_by("pk"))
    active = [u for u in people if u.is_active]
    seeing = [u for u in active if can_see(u, conversation.unit)]
    if seeing:
        return seeing[0], ""
    return None, "no_access" if active else "inactive" if people else "none"


def _by_role(unit: Unit, role: str) -> User | None:
    """The holder closest to the unit (a unit's own director before the sector's)."""
    return (
        users_with_role_over(unit, [role])
        .annotate(closest=Max("role_assignments__unit__depth"))
        .order_by("-closest", "pk")
        .first()
    )


def _resolve(conversation: Conversation, rule: RoutingRule, target: str) -> tuple[User | None, str]:
    if target == T.CHANNEL_OWNER:
        return _channel_owner(conversation)
    if target in _ROLE_OF_TARGET:
        user = _by_role(conversation.unit, _ROLE_OF_TARGET[target])
        return user, "" if user else "none"
    if target == T.PERSON:
        person = rule.person
        if person is None:
            return None, "not_set"
        if not person.is_active or person.organisation_id != conversation.organisation_id:
            return None, "unavailable"
        return person, ""
    return None, "unknown"


def _rule_for(conversation: Conversation) -> RoutingRule | None:
    rules = RoutingRule.objects.filter(organisation_id=conversation.organisation_id)
    found = {r.klass: r for r in rules.select_related("person")}
    if not found:  # the organisation's first message: start from the guideline
        ensure_default_routing(conversation.organisation)
        found = {r.klass: r for r in rules.select_related("person")}
    return found.get(conversation.klass)


def _routed_klass(reasons: list[Reason]) -> str | None:
    klasses = [r["klass"] for r in reasons if "klass" in r]
    return klasses[-1] if klasses else None


def route(conversation: Conversation, item: InboxItem) -> None:
    """Assign a new or re-classified conversation by its class's rule (runs inside ingest)."""
    if item.direction != InboxItem.Direction.IN:
        return
    prior: list[Reason] = list(conversation.route_reasons or [])
    assignee = conversation.assignee
    lost = assignee is not None and not assignee.is_active
    old_klass = _routed_klass(prior)
    if (
        prior
        and not lost
        and (any(r.get("kind") == "manual" for r in prior) or old_klass == conversation.klass)
    ):
        # Already decided; a conversation reopened by a new message goes back to its assignee.
        if assignee is not None and conversation.state == Conversation.State.NEW:
            conversation.state = Conversation.State.ASSIGNED
            conversation.save(update_fields=["state"])
        return
    lead: list[Reason] = []
    if lost:
        lead.append({"kind": "assignee_inactive", "user": conversation.assignee_id})
    elif old_klass is not None:
        lead.append({"kind": "reclassified", "from": old_klass, "klass": conversation.klass})
    _apply(None, conversation, lead)


def _apply(actor: User | None, conversation: Conversation, lead: list[Reason]) -> None:
    klass = conversation.klass
    rule = _rule_for(conversation)
    reasons = list(lead)
    chosen: User | None = None
    if rule is None or not rule.enabled:
        reasons.append({"kind": "no_rule", "klass": klass})
    elif not rule.targets:
        reasons.append({"kind": "no_targets", "klass": klass, "rule": rule.pk})
    else:
        for target in rule.targets:
            user, why = _resolve(conversation, rule, target)
            step: Reason = {"kind": "rule", "klass": klass, "rule": rule.pk, "target": target}
            if user is None:
                reasons.append({**step, "found": False, "why": why})
                continue
            reasons += [
                {**step, "found": True, "user": user.pk},
                {"kind": "assigned", "user": user.pk},
            ]
            chosen = user
            break
        else:
            reasons.append({"kind": "nobody", "klass": klass})
        if chosen is not None and rule.instructions.strip():
            reasons.append({"kind": "instructions", "rule": rule.pk})

    was_suggested = conversation.suggest_crisis
    suggest = bool(rule and rule.enabled and rule.suggest_crisis)
    if suggest:  # no point suggesting crisis mode where it is already on
        # Late: content reaches connectors, which refer back to inbox (an import cycle).
        from somevahti.content.crisis import crisis_for

        crisis_on = crisis_for(conversation.unit) is not None
        reasons.append({"kind": "crisis_active" if crisis_on else "crisis_suggested"})
        suggest = not crisis_on

    previous = conversation.assignee_id
    conversation.assignee = chosen
    conversation.route_reasons = reasons
    conversation.suggest_crisis = suggest
    if conversation.state in (Conversation.State.NEW, Conversation.State.ASSIGNED):
        conversation.state = Conversation.State.ASSIGNED if chosen else Conversation.State.NEW
    conversation.save(update_fields=_ROUTE_FIELDS)
    data = {"klass": klass, "assignee": chosen.pk if chosen else None, "reasons": reasons}
    record(actor, "inbox.routed", conversation, data=data, organisation=conversation.organisation)
    if chosen is not None and chosen.pk != previous and (actor is None or chosen.pk != actor.pk):
        _tell(chosen, conversation, read=bool(rule and rule.instructions.strip()))
    if suggest and not was_suggested:
        _suggest_crisis_mode(conversation)


def conversation_url(user: User, conversation: Conversation) -> str:
    """The conversation page in the recipient's language. A missing page (the inbox URLs
    not mounted) must not stop ingest: the notification then goes without a link."""
    try:
        return url_for(user, "inbox:conversation", conversation.pk)
    except NoReverseMatch:
        return ""


def _sender(conversation: Conversation) -> str:
    return conversation.author_name or conversation.author_handle or "?"


def _tell(user: User, conv: Conversation, by: User | None = None, read: bool = False) -> None:
    values = {"by": str(by), "sender": _sender(conv)}

    def text() -> str:
        values["klass"] = conv.get_klass_display()
        if by is not None:
            return _("%(by)s assigned you a conversation: %(klass)s from %(sender)s.") % values
        msg = _("New in your inbox: %(klass)s from %(sender)s.") % values
        if read:
            return msg + " " + _("Read the instructions for the receiver first.")
        return msg

    notify(user, text, conversation_url(user, conv))


def _suggest_crisis_mode(conversation: Conversation) -> None:
    unit = conversation.unit

    def text() -> str:
        return _(
            "Possible crisis signal from %(sender)s in %(unit)s. Consider turning crisis mode on."
        ) % {"sender": _sender(conversation), "unit": unit.name}

    for manager in users_with_role_over(unit, [Role.CITY_MANAGER]).order_by("pk"):
        notify(manager, text, url_for(manager, "content:crisis_list"))


def assign(actor: User, conversation: Conversation, user: User) -> None:
    """Assign by hand. The choice sticks: new messages and new classes do not re-route it."""
    require(actor, Perm.EDIT_CHANNEL, conversation.unit)
    if not can_see(user, conversation.unit):
        raise ValidationError(
            {"assignee": [_("Choose an active person of your organisation who can see this unit.")]}
        )
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous = conv.assignee_id
        reasons = [r for r in conv.route_reasons or [] if r.get("kind") != "manual"]
        reasons.append({"kind": "manual", "klass": conv.klass, "user": user.pk, "by": actor.pk})
        conv.assignee, conv.route_reasons = user, reasons
        if conv.state == Conversation.State.NEW:
            conv.state = Conversation.State.ASSIGNED
        conv.save(update_fields=["assignee", "route_reasons", "state"])
        record(actor, "inbox.assigned", conv, data={"from": previous, "to": user.pk})
        if user.pk not in (actor.pk, previous):
            _tell(user, conv, by=actor)
    conversation.refresh_from_db(fields=_ROUTE_FIELDS)


def reroute(actor: User, conversation: Conversation) -> None:
    """Forget any hand-made assignment and route by the rules again."""
    require(actor, Perm.EDIT_CHANNEL, conversation.unit)
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _apply(actor, conv, [{"kind": "reroute", "by": actor.pk}])
    conversation.refresh_from_db(fields=_ROUTE_FIELDS)


_KLASS_PLURAL: dict[str, Promise] = {
    Klass.QUESTION: _("Questions"),
    Klass.FEEDBACK: _("Feedback messages"),
    Klass.NEGATIVE: _("Negative feedback messages"),
    Klass.MEDIA: _("Media inquiries"),
    Klass.CRISIS: _("Crisis signals"),
    Klass.OFFICIAL: _("Official matters"),
    Klass.SPAM: _("Spam messages"),
    Klass.OTHER: _("Other messages"),
}
# "Goes/went to ...": Finnish needs the allative here, hence the context.
_LABELS = dict(Klass.choices)
_TO: dict[str, Promise] = {
    T.CHANNEL_OWNER: pgettext_lazy("routed to", "the channel's responsible person"),
    T.UNIT_DIRECTOR: pgettext_lazy("routed to", "the unit director"),
    T.CITY_MANAGER: pgettext_lazy("routed to", "the city manager"),
    T.COMMUNICATIONS: pgettext_lazy("routed to", "communications"),
    T.PERSON: pgettext_lazy("routed to", "the named person"),
}
_WHY_NOT: dict[tuple[str, str], Promise] = {
    (T.CHANNEL_OWNER, "no_channel"): _("The message did not come through a channel"),
    (T.CHANNEL_OWNER, "none"): _("The channel has no responsible person"),
    (T.CHANNEL_OWNER, "inactive"): _("The channel's responsible person is no longer active"),
    (T.CHANNEL_OWNER, "no_access"): _("The channel's responsible person has no role in this unit"),
    (T.UNIT_DIRECTOR, "none"): _("The unit has no director"),
    (T.CITY_MANAGER, "none"): _("No city manager covers this unit"),
    (T.COMMUNICATIONS, "none"): _("Nobody in communications covers this unit"),
    (T.PERSON, "not_set"): _("No named person is set"),
    (T.PERSON, "unavailable"): _("The named person is no longer active in this organisation"),
}

# Reasons that read the same every time; placeholders are filled from the reason's data.
_PLAIN: dict[str, Promise] = {
    "nobody": _("Nobody was found, so it waits in the inbox without an assignee."),
    "no_targets": _("%(klass)s are not assigned to anyone: they stay new, without an assignee."),
    "no_rule": _("%(klass)s have no routing rule in use, so it stays without an assignee."),
    "manual": _("%(by)s assigned it by hand to %(name)s."),
    "reroute": _("%(by)s had it routed again by the rules."),
    "reclassified": _("The class changed from %(old)s to %(new)s, so it was routed again."),
    "assignee_inactive": _("%(name)s is no longer active, so it was routed again."),
    "crisis_suggested": _(
        "This may be a crisis: the city manager was asked to consider crisis mode."
    ),
    "crisis_active": _("Crisis mode is already on for this unit."),
}


def describe_route(conversation: Conversation) -> list[str]:
    """The route's reasons as sentences in the active language (the reader's)."""
    reasons: list[Reason] = list(conversation.route_reasons or [])
    ids = {r[k] for r in reasons for k in ("user", "by") if isinstance(r.get(k), int)}
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    rule_ids = [r["rule"] for r in reasons if r.get("kind") == "instructions"]
    instructions: dict[Any, str] = dict(
        RoutingRule.objects.filter(pk__in=rule_ids).values_list("pk", "instructions")
    )

    def name(pk: Any) -> str:
        return people.get(pk) or str(_("a removed user"))

    def words(r: Reason) -> dict[str, Any]:
        klass, target = r.get("klass", ""), r.get("target", "")
        return {
            "klass": _KLASS_PLURAL.get(klass, klass),
            "target": _TO.get(target, target),
            "why": _WHY_NOT.get((target, r.get("why", "")), _("Nobody was found for this step")),
            "by": name(r.get("by")),
            "name": name(r.get("user")),
            "old": _LABELS.get(r.get("from", ""), ""),
            "new": _LABELS.get(klass, klass),
        }

    lines: list[str] = []
    i = 0
    while i < len(reasons):
        r, kind = reasons[i], reasons[i].get("kind")
        nxt = reasons[i + 1] if i + 1 < len(reasons) else {}
        if kind == "rule":
            w = words(r)
            if i == 0 or reasons[i - 1].get("kind") != "rule":  # the rule's first step
                if r.get("found"):
                    lines.append(_("%(klass)s go first to %(target)s: %(name)s.") % w)
                else:
                    lines.append(_("%(klass)s go first to %(target)s.") % w)
            if r.get("found"):
                pass  # said above, or as the end of the previous step's sentence
            elif nxt.get("kind") == "rule" and nxt.get("found"):
                w.update(target=words(nxt)["target"], name=name(nxt.get("user")))
                lines.append(_("%(why)s, so it went to %(target)s: %(name)s.") % w)
                i += 1
            else:
                lines.append(f"{str(w['why'])}.")
        elif kind == "instructions" and instructions.get(r.get("rule"), "").strip():
            text = instructions[r["rule"]]
            lines.append(_("Instructions for the receiver: %(text)s") % {"text": text})
        elif kind in _PLAIN:
            lines.append(str(_PLAIN[kind]) % words(r))
        i += 1
    return lines
