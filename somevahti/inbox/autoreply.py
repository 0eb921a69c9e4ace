"""The office-hours auto-reply: one automatic answer per conversation per 24 hours, telling
when a person will answer, in the sender's language.

The wording is content sent to the public, not interface text, so the default texts and the
date words live here per language (fi/sv/en) rather than in the gettext catalogues; an
organisation replaces them with its own in ``AutoReplySettings.texts`` ({when} is filled in).
Dates follow Finnish conventions in every language: day before month, 24-hour time "12.00".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db import transaction
from django.db.models import Q

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.clock import HELSINKI
from somevahti.inbox.hours import BusinessCalendar, NoOpenHours, calendar_for, target_for
from somevahti.inbox.models import AutoReplySettings, Conversation, InboxItem
from somevahti.inbox.models.items import Klass

LANGS = ("fi", "sv", "en")
ONCE_PER = dt.timedelta(hours=24)
# Meta's standard messaging window: a page may answer a person's message for 24 hours after
# it. The reply is sent after commit by a task, so keep a margin for the queue.
META_SOURCES = frozenset({"facebook", "instagram", "messenger"})
META_WINDOW = dt.timedelta(hours=24) - dt.timedelta(minutes=15)

DEFAULT_TEXTS = {
    "fi": "Kiitos viestistäsi! Tämä on automaattinen vastaus: emme ole nyt paikalla. "
    "Vastaamme {when}.",
    "sv": "Tack för ditt meddelande! Det här är ett automatiskt svar: vi är inte på plats "
    "just nu. Vi svarar {when}.",
    "en": "Thank you for your message! This is an automatic reply: we are not at work right "
    "now. We will answer {when}.",
}
# Finnish needs the essive ("on Tuesday" = "tiistaina"); Swedish weekdays are lower case.
WEEKDAYS = {
    "fi": (
        "maanantaina",
        "tiistaina",
        "keskiviikkona",
        "torstaina",
        "perjantaina",
        "lauantaina",
        "sunnuntaina",
    ),
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# "today", "the next working day", "a later day": {date} and {time} are filled in.
PHRASES = {
    "fi": (
        "tänään {date} klo {time} mennessä",
        "seuraavana arkipäivänä {date} klo {time} mennessä",
        "viimeistään {date} klo {time}",
    ),
    "sv": (
        "i dag, {date}, senast kl. {time}",
        "nästa vardag, {date}, senast kl. {time}",
        "senast {date} kl. {time}",
    ),
    "en": (
        "today, {date}, by {time}",
        "next working day, {date}, by {time}",
        "by {date}, {time}",
    ),
}
# Short, frequent words that tell Swedish and English from Finnish. Words shared with
# Finnish ("on", "se", "me", "en", "i") are left out on purpose.
_SV_WORDS = frozenset(
    {
        "och",
        "att",
        "det",
        "är",
        "jag",
        "inte",
        "för",
        "med",
        "har",
        "som",
        "vi",
        "ni",
        "hej",
        "tack",
        "kan",
        "ett",
        "den",
        "till",
        "om",
        "var",
        "när",
        "hur",
        "vad",
        "varför",
        "öppet",
        "stängt",
        "finns",
        "eller",
        "också",
        "skulle",
        "vill",
    }
)
_EN_WORDS = frozenset(
    {
        "the",
        "and",
        "is",
        "are",
        "you",
        "your",
        "to",
        "of",
        "what",
        "when",
        "how",
        "hello",
        "hi",
        "thanks",
        "thank",
        "please",
        "can",
        "my",
        "do",
        "does",
        "open",
        "closed",
        "where",
        "why",
        "would",
        "could",
        "there",
        "this",
        "that",
        "with",
        "for",
    }
)
_WORD = re.compile(r"[a-zåäö]+")


def detect_language(text: str) -> str:
    """fi, sv or en by counting stop words; Finnish when nothing tells otherwise."""
    words = _WORD.findall(text.lower())
    sv = sum(w in _SV_WORDS for w in words) + 2 * text.lower().count("å")
    en = sum(w in _EN_WORDS for w in words)
    if max(sv, en) == 0 or sv == en:
        return "fi"
    return "sv" if sv > en else "en"


def reply_language(conversation: Conversation, item: InboxItem) -> str:
    """The item's language, else the conversation's, else detected. A language we have no
    text for gets English: its reader more likely knows English than Finnish."""
    for code in (item.language, conversation.language):
        if code:
            base = code.lower()[:2]
            return base if base in LANGS else "en"
    return detect_language(item.text)


def format_time(at: dt.datetime) -> str:
    local = at.astimezone(HELSINKI)
    return f"{local.hour}.{local.minute:02d}"


def format_date(day: dt.date, lang: str) -> str:
    weekday = WEEKDAYS[lang][day.weekday()]
    if lang == "fi":
        return f"{weekday} {day.day}.{day.month}."
    if lang == "sv":
        return f"{weekday} {day.day}.{day.month}"
    return f"{weekday} {day.day} {MONTHS_EN[day.month - 1]}"


def format_moment(at: dt.datetime, lang: str) -> str:
    """A moment for people: "tiistaina 7.1. klo 12.00", "tisdag 7.1 kl. 12.00", ..."""
    lang = lang[:2] if lang[:2] in LANGS else "en"
    day = format_date(at.astimezone(HELSINKI).date(), lang)
    time = format_time(at)
    return {"fi": f"{day} klo {time}", "sv": f"{day} kl. {time}"}.get(lang, f"{day} at {time}")


def when_phrase(due: dt.datetime, lang: str, now: dt.datetime, cal: BusinessCalendar) -> str:
    """When the answer comes, relative to today: today / next working day / by a date."""
    today = now.astimezone(HELSINKI).date()
    day = due.astimezone(HELSINKI).date()
    today_p, next_p, later_p = PHRASES[lang]
    if day == today:
        phrase = today_p
    elif day == cal.next_working_day(today):
        phrase = next_p
    else:
        phrase = later_p
    return phrase.format(date=format_date(day, lang), time=format_time(due))


def _settings(organisation_id: int) -> AutoReplySettings:
    found = AutoReplySettings.objects.filter(organisation_id=organisation_id).first()
    return found or AutoReplySettings(organisation_id=organisation_id)


def _outside_meta_window(item: InboxItem, now: dt.datetime) -> bool:
    return item.source in META_SOURCES and now - item.sent_at > META_WINDOW


def maybe_auto_reply(conversation: Conversation, item: InboxItem) -> InboxItem | None:
    """Queue the automatic answer for ``item`` when the office is closed; None when not due."""
    if item.direction != InboxItem.Direction.IN or conversation.klass == Klass.SPAM:
        return None
    settings = _settings(conversation.organisation_id)
    public = conversation.kind != Conversation.Kind.MESSAGE
    if not settings.enabled or (public and not settings.public_comments):
        return None
    now = clock.now()
    cal = calendar_for(conversation.unit)
    if cal.is_open(item.received_at) or cal.is_open(now) or _outside_meta_window(item, now):
        return None
    last = conversation.last_auto_reply_at
    if last is not None and now - last < ONCE_PER:
        return None
    # Only where a reply can go out (a connected channel whose platform takes replies): an
    # answer that can never be sent would only sit in the conversation as a failure.
    from somevahti.inbox.replies import unsendable

    if unsendable(conversation):
        return None
    # In a crisis every answer waits for the crisis owner; a promise sent by a machine then
    # could contradict what the city says, so none is sent.
    from somevahti.content.crisis import crisis_for

    if crisis_for(conversation.unit) is not None:
        return None
    due = conversation.due_at
    if due is None or due <= now:
        try:
            due = cal.add(item.received_at, target_for(conversation)[0])
        except NoOpenHours:
            return None  # nothing honest to promise
    lang = reply_language(conversation, item)
    template = settings.texts.get(lang) if isinstance(settings.texts, dict) else None
    if not isinstance(template, str) or not template.strip():
        template = DEFAULT_TEXTS[lang]
    # str.replace, not format(): an organisation's text may contain other braces.
    text = template.replace("{when}", when_phrase(due, lang, now, cal))
    key = hashlib.sha256(f"auto-reply:{item.pk}".encode()).hexdigest()[:40]
    with transaction.atomic():
        # The claim is one conditional update, so two workers never both answer.
        claimed = (
            Conversation.objects.filter(pk=conversation.pk)
            .filter(Q(last_auto_reply_at__isnull=True) | Q(last_auto_reply_at__lte=now - ONCE_PER))
            .update(last_auto_reply_at=now)
        )
        if not claimed:
            return None
        conversation.last_auto_reply_at = now
        reply = InboxItem.objects.create(
            organisation_id=conversation.organisation_id,
            conversation=conversation,
            channel_id=item.channel_id,
            direction=InboxItem.Direction.OUT,
            external_id=f"auto-reply:{item.pk}",
            source=item.source,
            parent_external_id=item.external_id,
            text=text,
            language=lang,
            sent_at=now,
            received_at=now,
            automatic=True,
            delivery_state="queued",
            idempotency_key=key,
        )
        record(
            None,
            "inbox.auto_replied",
            conversation,
            data={"item": reply.pk, "language": lang, "promised": due.isoformat()},
        )
        transaction.on_commit(lambda: _send(reply.pk))
    return reply


def _send(item_id: int) -> None:
    # The replies module sends every reply, automatic or not (replies.send_reply, as a task).
    from somevahti.inbox.tasks import send_reply_task

    send_reply_task(item_id)
