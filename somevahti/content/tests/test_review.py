"""Review, four eyes, versions, scheduling refusals and overrides, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import actions
from somevahti.content.checking import check_post
from somevahti.content.models import CheckOverride, ContentTag, Post, UnitPublishingSettings
from somevahti.content.tests.builders import (
    FUTURE,
    HETU_TEXT,
    IBAN_TEXT,
    SENSITIVE_TEXT,
    approved,
    channel,
    draft,
    fresh,
    in_review,
)
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.roles import Role

S = Post.State
NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)


def verbs(post: Post) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="content.post", target_id=str(post.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_the_whole_review_path_is_audited(town: Town) -> None:
    post = approved(town, channel(town))
    owner = town.users[Role.CHANNEL_OWNER]
    with clock.frozen(NOW):
        actions.schedule(owner, post, FUTURE)
    post = fresh(post)
    assert post.state == S.SCHEDULED
    assert post.scheduled_at == FUTURE
    assert post.approved_by == town.users[Role.COMMUNICATIONS]
    assert verbs(post) == ["post.created", "post.submitted", "post.approved", "post.scheduled"]


def test_elected_official_cannot_write_posts(town: Town) -> None:
    with pytest.raises(PermissionDenied):
        draft(town, channel(town), author=town.users[Role.ELECTED_OFFICIAL])
    assert not Post.objects.exists()


def test_author_cannot_approve_own_post_with_four_eyes(town: Town) -> None:
    author = town.users[Role.CHANNEL_OWNER]  # a reviewer, but the author
    post = in_review(town, channel(town), author=author)
    with pytest.raises(PermissionDenied):
        actions.approve(author, post)
    assert fresh(post).state == S.IN_REVIEW


def test_producer_is_not_a_reviewer(town: Town) -> None:
    post = in_review(town, channel(town), author=town.users[Role.COMMUNICATIONS])
    with pytest.raises(PermissionDenied):
        actions.approve(town.users[Role.CONTENT_PRODUCER], post)
    assert fresh(post).state == S.IN_REVIEW


def test_without_four_eyes_the_owner_approves_own_draft_and_schedules(town: Town) -> None:
    # The setting on the sector is inherited by the unit below it.
    UnitPublishingSettings.objects.create(unit=town.sector, four_eyes=False)
    owner = town.users[Role.CHANNEL_OWNER]
    post = draft(town, channel(town), author=owner)
    actions.approve(owner, post)
    with clock.frozen(NOW):
        actions.schedule(owner, post, FUTURE)
    assert fresh(post).state == S.SCHEDULED
    assert fresh(post).approved_by == owner


def test_nearest_unit_setting_wins(town: Town) -> None:
    UnitPublishingSettings.objects.create(unit=town.sector, four_eyes=False)
    UnitPublishingSettings.objects.create(unit=town.unit, four_eyes=True)
    owner = town.users[Role.CHANNEL_OWNER]
    post = draft(town, channel(town), author=owner)
    with pytest.raises(PermissionDenied):
        actions.approve(owner, post)


def test_reject_needs_a_comment_and_returns_post_to_author(town: Town) -> None:
    post = in_review(town, channel(town))
    comms = town.users[Role.COMMUNICATIONS]
    with pytest.raises(ValidationError):
        actions.reject(comms, post, "  ")
    actions.reject(comms, post, "Lisää kellonaika.")
    post = fresh(post)
    assert post.state == S.REJECTED
    assert post.comments.get().text == "Lisää kellonaika."
    # The author edits it: it is a draft again.
    actions.update_post(
        post.author,
        post,
        {
            "title": "Satutuokio klo 10",
            "body": "Uusi",
            "channels": [v.channel for v in post.variants.all()],
        },
        post.version,
    )
    assert fresh(post).state == S.DRAFT


def test_deciding_twice_is_a_conflict(town: Town) -> None:
    post = in_review(town, channel(town))
    actions.approve(town.users[Role.COMMUNICATIONS], post)
    with pytest.raises(Conflict):
        actions.reject(town.users[Role.UNIT_DIRECTOR], post, "Ei näin")
    assert fresh(post).state == S.APPROVED


def test_stale_version_is_refused_and_nothing_is_overwritten(town: Town) -> None:
    ch = channel(town)
    post = draft(town, ch)
    first = post.version
    author = post.author
    actions.update_post(
        author, post, {"title": "Ensimmäinen", "body": "A", "channels": [ch]}, first
    )
    with pytest.raises(Conflict):
        actions.update_post(author, post, {"title": "Toinen", "body": "B", "channels": [ch]}, first)
    post = fresh(post)
    assert (post.title, post.body, post.version) == ("Ensimmäinen", "A", first + 1)


def test_editing_an_approved_post_voids_the_approval(town: Town) -> None:
    ch = channel(town)
    post = approved(town, ch)
    actions.update_post(
        post.author, post, {"title": "Muutettu", "body": "B", "channels": [ch]}, fresh(post).version
    )
    post = fresh(post)
    assert post.state == S.DRAFT and post.approved_by is None


def test_scheduling_in_the_past_is_refused(town: Town) -> None:
    post = approved(town, channel(town))
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, NOW - dt.timedelta(minutes=1))
    assert "scheduled_at" in exc.value.message_dict
    assert fresh(post).state == S.APPROVED


@pytest.mark.parametrize("status", ["dormant", "closing", "closed"])
def test_scheduling_on_a_closed_or_dormant_channel_is_refused(town: Town, status: str) -> None:
    ch = channel(town)
    post = approved(town, ch)
    ch.status = status
    ch.save()
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, FUTURE)
    assert ch.name in " ".join(exc.value.message_dict["scheduled_at"])
    assert fresh(post).state == S.APPROVED


def test_dormant_channel_cannot_be_chosen(town: Town) -> None:
    with pytest.raises(ValidationError) as exc:
        draft(town, channel(town, status="dormant"))
    assert "channels" in exc.value.message_dict


def test_text_too_long_for_bluesky_cannot_be_scheduled(town: Town) -> None:
    sky = channel(town, "bluesky")
    post = approved(town, sky, body="Kirjasto tiedottaa. " * 20)  # 400 characters
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, FUTURE)
    assert sky.name in " ".join(exc.value.message_dict["body"])
    assert fresh(post).state == S.APPROVED


def test_own_short_variant_fits_bluesky(town: Town) -> None:
    sky = channel(town, "bluesky")
    post = approved(
        town, sky, body="Kirjasto tiedottaa. " * 20, variants={sky.pk: "Satutuokio keskiviikkona!"}
    )
    with clock.frozen(NOW):
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, FUTURE)
    assert fresh(post).state == S.SCHEDULED


def test_producer_cannot_schedule(town: Town) -> None:
    post = approved(town, channel(town))
    with clock.frozen(NOW), pytest.raises(PermissionDenied):
        actions.schedule(town.users[Role.CONTENT_PRODUCER], post, FUTURE)


def _block(town: Town, post: Post) -> tuple[int, str, str]:
    result = check_post(town.users[Role.COMMUNICATIONS], post)[0]
    row = result.blocking[0]
    return result.variant.channel_id, row.finding.rule, row.hash


def test_block_finding_stops_submission(town: Town) -> None:
    post = draft(town, channel(town), body=HETU_TEXT)
    with pytest.raises(ValidationError):
        actions.submit_for_review(post.author, post)
    assert fresh(post).state == S.DRAFT


def test_hetu_override_by_communications_is_refused_by_dpo_accepted(town: Town) -> None:
    ch = channel(town)
    post = draft(town, ch, body=HETU_TEXT)
    channel_id, rule, text_hash = _block(town, post)
    assert rule == "privacy.hetu"
    with pytest.raises(PermissionDenied):
        actions.override_check(
            town.users[Role.COMMUNICATIONS], post, ch, rule, text_hash, "Tarpeen"
        )
    dpo = town.users[Role.DATA_PROTECTION]
    with pytest.raises(ValidationError):
        actions.override_check(dpo, post, ch, rule, text_hash, "   ")
    assert not CheckOverride.objects.exists()
    actions.override_check(dpo, post, ch, rule, text_hash, "Keksitty esimerkkitunnus.")
    stored = CheckOverride.objects.get()
    assert "131052" not in stored.text_hash and stored.by == dpo
    actions.submit_for_review(post.author, post)
    assert fresh(post).state == S.IN_REVIEW
    event = AuditEvent.objects.get(verb="post.check_overridden")
    assert event.reason == "Keksitty esimerkkitunnus."
    assert "131052" not in str(event.data)


def test_sensitive_data_override_only_by_dpo(town: Town) -> None:
    ch = channel(town)
    post = draft(town, ch, body=SENSITIVE_TEXT)
    _cid, rule, text_hash = _block(town, post)
    assert rule == "privacy.sensitive"
    with pytest.raises(PermissionDenied):
        actions.override_check(town.users[Role.CHANNEL_OWNER], post, ch, rule, text_hash, "x")


def test_ordinary_block_overridden_by_channel_owner(town: Town) -> None:
    ch = channel(town)
    post = draft(town, ch, body=IBAN_TEXT)
    _cid, rule, text_hash = _block(town, post)
    assert rule == "privacy.iban"
    with pytest.raises(PermissionDenied):
        actions.override_check(town.users[Role.CONTENT_PRODUCER], post, ch, rule, text_hash, "x")
    actions.override_check(
        town.users[Role.CHANNEL_OWNER], post, ch, rule, text_hash, "Kaupungin oma keräystili."
    )
    with pytest.raises(Conflict):  # twice
        actions.override_check(town.users[Role.CHANNEL_OWNER], post, ch, rule, text_hash, "x")
    actions.submit_for_review(post.author, post)
    assert fresh(post).state == S.IN_REVIEW


def test_manual_publication_needs_an_address(town: Town) -> None:
    post = approved(town, channel(town, "other"))
    owner = town.users[Role.CHANNEL_OWNER]
    with pytest.raises(ValidationError):
        actions.mark_published_manually(owner, post, "ei osoite")
    actions.mark_published_manually(owner, post, "https://example.test/p/1")
    post = fresh(post)
    assert post.state == S.PUBLISHED_MANUALLY and post.published_url.endswith("/p/1")
    with pytest.raises(Conflict):
        actions.cancel(owner, post)


def test_default_tags_are_created_once(town: Town) -> None:
    actions.ensure_default_tags(town.org)
    actions.ensure_default_tags(town.org)
    names = list(ContentTag.objects.filter(organisation=town.org).values_list("name", flat=True))
    assert len(names) == 7 and "Ihmiset kasvoineen" in names


def test_reviewers_and_author_are_notified(town: Town, mailoutbox: list) -> None:
    from somevahti.core.models import Notification

    post = in_review(town, channel(town))
    reviewers = set(Notification.objects.values_list("user__username", flat=True))
    assert town.users[Role.COMMUNICATIONS].username in reviewers
    assert post.author.username not in reviewers
    actions.reject(town.users[Role.COMMUNICATIONS], post, "Lyhennä")
    assert Notification.objects.filter(user=post.author).count() == 1
