"""One fixture, ``harness``, parametrised over every connector that has a test set-up."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from somevahti.connectors.tests.harness import Harness

# platform -> module providing make_harness(tmp_path_factory) -> Harness
HARNESSES = {
    "bluesky": "somevahti.connectors.tests.harness_bluesky",
    "mastodon": "somevahti.connectors.tests.harness_mastodon",
    "facebook": "somevahti.connectors.tests.harness_meta",
    "instagram": "somevahti.connectors.tests.harness_meta",
    "linkedin": "somevahti.connectors.tests.harness_linkedin",
    "youtube": "somevahti.connectors.tests.harness_youtube",
    "x": "somevahti.connectors.tests.harness_x",
}


def _available() -> list[str]:
    found = []
    for platform, module in HARNESSES.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        found.append(platform)
    return found


@pytest.fixture(params=_available())
def harness(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    module = importlib.import_module(HARNESSES[request.param])
    h: Harness = module.make_harness(request.param, tmp_path_factory)
    try:
        yield h
    finally:
        h.stop()
