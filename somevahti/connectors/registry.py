"""The connectors Somevahti has, listed by hand (no folder scanning).

``SOMEVAHTI_CONNECTORS=fake:<file>`` (tests and benchmarks only) routes every platform to
the recording double in ``fake.py`` so worker processes can be observed from outside.
"""

from __future__ import annotations

import importlib
import os

from somevahti.connectors.base import Connector

# platform -> "module:Class"; imported on first use so a missing SDK breaks only its platform.
CONNECTORS: dict[str, str] = {
    "bluesky": "somevahti.connectors.bluesky:BlueskyConnector",
    "mastodon": "somevahti.connectors.mastodon:MastodonConnector",
    "facebook": "somevahti.connectors.meta:FacebookConnector",
    "instagram": "somevahti.connectors.meta:InstagramConnector",
    "linkedin": "somevahti.connectors.linkedin:LinkedInConnector",
    "youtube": "somevahti.connectors.youtube:YouTubeConnector",
    "x": "somevahti.connectors.x:XConnector",
}


def connector_class(platform: str) -> type[Connector]:
    module, _, name = CONNECTORS[platform].partition(":")
    cls: type[Connector] = getattr(importlib.import_module(module), name)
    return cls


API_PLATFORMS = frozenset(CONNECTORS)


def has_api(platform: str) -> bool:
    """Platforms without a connector (TikTok, Threads, ...) are published by hand."""
    return platform in API_PLATFORMS


def get(platform: str) -> Connector:
    spec = os.environ.get("SOMEVAHTI_CONNECTORS", "")
    if spec.startswith("fake:"):
        from somevahti.connectors.fake import RecordingConnector

        return RecordingConnector.from_spec(spec[5:], platform)
    return connector_class(platform)()
