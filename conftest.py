from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from somevahti.core.models import Organisation, Unit, User
from somevahti.core.roles import Role
from tests import factories as f

# Speed is measured by the benchmarks in bench/, not by tests: a loaded CI machine must not
# fail a property test on a per-example time limit.
hypothesis_settings.register_profile("somevahti", deadline=None)
hypothesis_settings.load_profile("somevahti")


@dataclass
class Town:
    """A small organisation: root → sector → unit → sub-unit, one user per role on the sector."""

    org: Organisation
    root: Unit
    sector: Unit
    unit: Unit
    subunit: Unit
    other_sector: Unit
    users: dict[str, User]


def build_town(name: str = "") -> Town:
    org = f.organisation(name)
    root = f.root(org)
    sector = f.unit(root, "Sivistystoimi", Unit.Kind.SECTOR)
    unit = f.unit(sector, "Kirjasto")
    subunit = f.unit(unit, "Lastenkirjasto", Unit.Kind.SUBUNIT)
    other = f.unit(root, "Tekninen toimi", Unit.Kind.SECTOR)
    users = {}
    for role in Role:
        at = root if role in (Role.ORG_ADMIN, Role.CITY_MANAGER, Role.ELECTED_OFFICIAL) else sector
        users[role.value] = f.user(org, (role.value, at), username=f"{org.slug}-{role.value}")
    return Town(org, root, sector, unit, subunit, other, users)


@pytest.fixture
def town(db: None) -> Town:
    return build_town("Testilä")


@pytest.fixture
def other_town(db: None) -> Town:
    return build_town("Muualla")
