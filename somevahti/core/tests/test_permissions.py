import pytest

from somevahti.core import actions
from somevahti.core.permissions import has_perm, scoped, units_for, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.models import Channel
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_role_on_a_unit_covers_its_subtree_but_not_siblings_or_parents(town):
    director = town.users[Role.UNIT_DIRECTOR]  # director of the sector
    assert has_perm(director, Perm.DECIDE_CHANNEL_REQUEST, town.sector)
    assert has_perm(director, Perm.DECIDE_CHANNEL_REQUEST, town.subunit)
    assert not has_perm(director, Perm.DECIDE_CHANNEL_REQUEST, town.other_sector)
    assert not has_perm(director, Perm.DECIDE_CHANNEL_REQUEST, town.root)


def test_unit_paths_are_unique_and_nested(town):
    assert town.subunit.path.startswith(town.unit.path)
    assert town.unit.path.startswith(town.sector.path)
    assert town.sector.path != town.other_sector.path
    assert town.subunit.ancestor_paths() == [
        town.root.path,
        town.sector.path,
        town.unit.path,
        town.subunit.path,
    ]


def test_org_admin_holds_every_permission_across_the_tree(town):
    admin = town.users[Role.ORG_ADMIN]
    for perm in (Perm.DECIDE_CHANNEL_REQUEST, Perm.MANAGE_ACCESS, Perm.EDIT_MATRIX):
        assert has_perm(admin, perm, town.other_sector)


def test_nothing_of_another_organisation_is_in_reach(town, other_town):
    admin = town.users[Role.ORG_ADMIN]
    assert not has_perm(admin, Perm.VIEW_REGISTRY, other_town.sector)
    f.channel(town.unit, name="Oma kanava")
    f.channel(other_town.unit, name="Vieras kanava")
    visible = scoped(Channel.objects.all(), admin, Perm.VIEW_REGISTRY)
    assert list(visible.values_list("name", flat=True)) == ["Oma kanava"]
    assert set(units_for(admin, Perm.VIEW_REGISTRY)) == set(town.org.units.all())


def test_elected_official_does_not_see_the_registry(town):
    official = town.users[Role.ELECTED_OFFICIAL]
    assert not has_perm(official, Perm.VIEW_REGISTRY)
    assert not units_for(official, Perm.VIEW_REGISTRY).exists()


def test_deactivated_user_loses_every_permission(town):
    it = town.users[Role.IT]
    it.is_active = False
    it.save()
    it.refresh_from_db()
    assert not has_perm(it, Perm.MANAGE_ACCESS)


def test_users_with_role_over_finds_directors_of_ancestors_only(town):
    sub_director = f.user(town.org, (Role.UNIT_DIRECTOR, town.subunit))
    found = set(users_with_role_over(town.unit, [Role.UNIT_DIRECTOR]))
    assert town.users[Role.UNIT_DIRECTOR] in found
    assert sub_director not in found


def test_role_cannot_be_granted_across_organisations(town, other_town):
    with pytest.raises(ValueError):
        actions.assign_role(town.users[Role.IT], other_town.unit, Role.IT)


def test_children_get_sequential_paths(town):
    first = f.unit(town.other_sector)
    second = f.unit(town.other_sector)
    assert first.path == town.other_sector.path + "0001."
    assert second.path == town.other_sector.path + "0002."
