"""The operator commands: loaddemo, demoinfo, apitoken; and /healthz without a database."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections

from somevahti.audit.models import AuditEvent
from somevahti.content.models import (
    ContentTag,
    Post,
    PostMedia,
    PostVariant,
    RotaEntry,
    RotaMember,
    Tip,
    TipPhoto,
    WeeklySlot,
)
from somevahti.content.programme import empty_slots, monday_of
from somevahti.core import clock
from somevahti.core.models import Notification, Organisation, RoleAssignment, Unit, User
from somevahti.core.roles import Role
from somevahti.guidelines.models import Guideline, GuidelineVersion
from somevahti.registry.models import (
    AccessGrant,
    AccessTask,
    ActivityRecord,
    Audience,
    Channel,
    ChannelRequest,
    DormancyReview,
    FollowerSnapshot,
    MatrixCell,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "demo-salasana-testi"
DEMO_ROLES = {
    "tuottaja": Role.CONTENT_PRODUCER,
    "omistaja": Role.CHANNEL_OWNER,
    "viestinta": Role.COMMUNICATIONS,
    "johtaja": Role.UNIT_DIRECTOR,
    "it": Role.IT,
    "tietosuoja": Role.DATA_PROTECTION,
    "kaupunginjohtaja": Role.CITY_MANAGER,
    "valtuutettu": Role.ELECTED_OFFICIAL,
    "admin": Role.ORG_ADMIN,
}
COUNTED = [
    Organisation,
    Unit,
    User,
    RoleAssignment,
    Notification,
    AuditEvent,
    Audience,
    MatrixCell,
    Channel,
    Channel.responsibles.through,
    Channel.audiences.through,
    FollowerSnapshot,
    ActivityRecord,
    AccessGrant,
    AccessTask,
    ChannelRequest,
    DormancyReview,
    Guideline,
    GuidelineVersion,
    ContentTag,
    WeeklySlot,
    RotaMember,
    RotaEntry,
    Post,
    PostVariant,
    PostMedia,
    Tip,
    TipPhoto,
]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def exit_code(monkeypatch):
    """Run a command the way the console script does and return its exit status."""
    # run_from_argv closes the connections at the end, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run_argv(*argv: str) -> int:
        with pytest.raises(SystemExit) as exc:
            ManagementUtility(["somevahti", *argv]).execute()
        return int(exc.value.code or 0)

    return run_argv


@pytest.fixture
def demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # the demo's photos
    monkeypatch.setenv("SOMEVAHTI_DEMO_PASSWORD", PASSWORD)
    run("loaddemo")
    return Organisation.objects.get(slug="vahtila")


def snapshot() -> dict[str, object]:
    counts: dict[str, object] = {m._meta.label: m.objects.count() for m in COUNTED}
    counts["statuses"] = sorted(Channel.objects.values_list("name", "platform", "status"))
    counts["passwords"] = sorted(User.objects.values_list("username", "password"))
    return counts


def test_loaddemo_twice_creates_and_changes_nothing(demo):
    before = snapshot()
    output = run("loaddemo")
    assert snapshot() == before
    assert "Vahtilan kaupunki" in output


def test_demo_town_has_a_unit_tree_and_channels_on_many_platforms(demo):
    units = Unit.objects.filter(organisation=demo)
    assert 13 <= units.count() <= 20
    assert {u.kind for u in units} == {"organisation", "sector", "unit", "subunit"}
    assert units.get(name="Lastenkirjasto").parent.name == "Kirjasto"
    channels = Channel.objects.filter(organisation=demo)
    assert 25 <= channels.count() <= 35
    assert len(set(channels.values_list("platform", flat=True))) >= 6
    for channel in channels.prefetch_related("responsibles", "audiences", "follower_snapshots"):
        assert channel.responsibles.exists(), channel
        assert channel.audiences.exists(), channel
        assert channel.purpose and channel.target_per_week > 0
        assert len(channel.follower_snapshots.all()) == 12
    # Most channels keep their rhythm; the sweep flags only the neglected ones.
    assert channels.filter(status="active").count() >= channels.count() - 3
    assert channels.filter(status="under_maintained").exists()


def test_the_x_account_untouched_for_four_years_is_flagged(demo):
    x = Channel.objects.get(organisation=demo, platform="x", unit__name="Kirjasto")
    assert x.opened_on.year == 2013
    idle = clock.now() - x.last_activity_at
    assert dt.timedelta(days=4 * 365) <= idle < dt.timedelta(days=5 * 365)
    assert x.status == "dormant"
    review = DormancyReview.objects.get(channel=x)
    assert review.status == "open"
    # The director of Sivistyspalvelut is asked to decide.
    assert Notification.objects.filter(user__username="johtaja").exists()


def test_every_demo_role_exists_and_can_log_in(demo, client):
    for username, role in DEMO_ROLES.items():
        user = User.objects.get(username=username)
        assert user.organisation == demo
        assert user.language == "fi" and user.first_name and user.email.endswith(".example")
        assert RoleAssignment.objects.filter(user=user, role=role).exists()
        assert client.login(username=username, password=PASSWORD), username
        client.logout()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert RoleAssignment.objects.get(user__username="johtaja").unit.name == "Sivistyspalvelut"
    assert RoleAssignment.objects.get(user__username="tuottaja").unit.name == "Kirjasto"


def test_demo_has_matrix_guideline_and_a_pending_request(demo):
    assert sorted(Audience.objects.filter(organisation=demo).values_list("name", flat=True)) == [
        "Lapsiperheet ja työikäiset",
        "Media ja päätöksenteko",
        "Nuoret alle 20-vuotiaat",
        "Työnhakijat ja yritykset",
    ]
    assert MatrixCell.objects.filter(organisation=demo).count() >= 10
    version = GuidelineVersion.objects.get(guideline__organisation=demo)
    assert version.approval_record.startswith("Kaupunginhallitus ")
    assert "§" in version.approval_record
    request = ChannelRequest.objects.get(organisation=demo)
    assert request.status == "pending"
    assert request.requested_by.username == "tuottaja"


def test_demo_library_has_a_programme_a_rota_and_posts_in_several_states(demo):
    library = Unit.objects.get(organisation=demo, name="Kirjasto")
    slots = WeeklySlot.objects.filter(unit=library).select_related("content_type")
    assert {(s.theme, s.weekday, s.time.hour, s.content_type.name) for s in slots} == {
        ("Maanantain kirjavinkki", 0, 10, "Vinkki"),
        ("Keskiviikon kasvo", 2, 12, "Ihmiset kasvoineen"),
        ("Perjantaivideo", 4, 14, "Video"),
    }
    assert all(s.channels.filter(unit=library).exists() for s in slots)
    members = RotaMember.objects.filter(unit=library).order_by("order")
    assert [m.user.username for m in members] == ["tuottaja", "omistaja"]
    monday = monday_of(clock.today())
    week = RotaEntry.objects.filter(slot__unit=library, date__gte=monday)
    this_week = week.filter(date__lt=monday + dt.timedelta(days=7))
    assert this_week.exists() and all(e.responsible_id for e in this_week)
    assert week.filter(date__gte=monday + dt.timedelta(weeks=7)).exists()

    posts = Post.objects.filter(organisation=demo)
    assert set(posts.values_list("state", flat=True)) == {
        "draft",
        "in_review",
        "scheduled",
        "published_manually",
    }
    assert set(posts.values_list("author__username", flat=True)) == {"tuottaja"}
    scheduled = posts.get(state="scheduled")
    assert scheduled.approved_by.username == "omistaja"
    assert scheduled.scheduled_at > clock.now()
    local = scheduled.scheduled_at.astimezone(clock.HELSINKI)
    assert local.hour == 12 and local.date() < monday + dt.timedelta(days=14)
    assert scheduled.media.get().alt_text
    manual = posts.get(state="published_manually")
    assert manual.published_url and manual.updated_at < clock.now() - dt.timedelta(days=1)
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"post.scheduled", "post.approved", "rota.generated", "tip.sent"} <= verbs

    # Some slot this week still waits for a post.
    assert empty_slots(User.objects.get(username="omistaja"), library, clock.today())
    tip = Tip.objects.get(organisation=demo)
    assert tip.state == "new" and tip.sender.username == "tuottaja"
    assert tip.consent_confirmed and tip.consent_how and tip.photos.count() == 1


def test_demo_loads_on_a_sunday_evening_and_schedules_into_next_wednesday(
    monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setenv("SOMEVAHTI_DEMO_PASSWORD", PASSWORD)
    # Easter Sunday 28.3.2027, the day summer time starts.
    with clock.frozen(dt.datetime(2027, 3, 28, 20, 0, tzinfo=clock.HELSINKI)):
        run("loaddemo")
    post = Post.objects.get(state="scheduled")
    assert post.scheduled_at == dt.datetime(2027, 3, 31, 9, 0, tzinfo=dt.UTC)  # 12:00 EEST
    days = set(RotaEntry.objects.values_list("date", flat=True))
    assert dt.date(2027, 3, 24) in days  # this week's Wednesday
    # Good Friday and Easter Monday skip the Friday video and the Monday book tip.
    assert not {dt.date(2027, 3, 26), dt.date(2027, 3, 29)} & days


def test_generated_password_is_kept_private_and_reused(settings, tmp_path, monkeypatch, client):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.delenv("SOMEVAHTI_DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    run("loaddemo")
    secret = tmp_path / "demo-password"
    password = secret.read_text().strip()
    assert len(password) >= 12
    assert secret.stat().st_mode & 0o077 == 0
    run("loaddemo")
    assert secret.read_text().strip() == password
    assert client.login(username="viestinta", password=password)
    assert password in run("demoinfo")


def test_changed_demo_password_is_taken_into_use(demo, monkeypatch, client):
    monkeypatch.setenv("SOMEVAHTI_DEMO_PASSWORD", "toinen-salasana-42")
    run("loaddemo")
    assert client.login(username="johtaja", password="toinen-salasana-42")
    assert not client.login(username="tuottaja", password=PASSWORD)


def test_loaddemo_refuses_when_demo_usernames_are_taken(monkeypatch, exit_code):
    monkeypatch.setenv("SOMEVAHTI_DEMO_PASSWORD", PASSWORD)
    org = f.organisation()
    f.user(org, username="admin")
    assert exit_code("loaddemo") == 2
    assert not Organisation.objects.filter(slug="vahtila").exists()


def test_demoinfo_prints_the_address_every_login_and_the_password(demo):
    output = run("demoinfo", "--url", "http://127.0.0.1:8123/")
    assert "http://127.0.0.1:8123/fi/" in output
    for username in DEMO_ROLES:
        assert f"  {username} " in output
    assert PASSWORD in output


def test_demoinfo_without_the_demo_exits_2(exit_code):
    assert exit_code("demoinfo") == 2


def test_apitoken_prints_a_working_token_and_keeps_it(demo, client):
    token = run("apitoken", "viestinta").strip()
    assert len(token) == 40
    response = client.get("/api/v1/", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    assert client.get("/api/v1/", headers={"Authorization": "Token wrong"}).status_code == 401
    assert run("apitoken", "viestinta").strip() == token
    assert AuditEvent.objects.filter(verb="user.api_token_created").count() == 1


def test_apitoken_for_an_unknown_or_deactivated_user_exits_2(town, exit_code):
    assert exit_code("apitoken", "nobody") == 2
    user = town.users["it"]
    user.is_active = False
    user.save()
    with pytest.raises(CommandError) as exc:
        call_command("apitoken", user.username)
    assert exc.value.returncode == 2
    assert user.username in str(exc.value)


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", unavailable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "tasks": "ok"}
