"""The editor takes each connector's limits, so a file the editor accepts is never refused at
publishing time for its size or type; platforms without a connector keep their own."""

from __future__ import annotations

import pytest

from somevahti.connectors import registry
from somevahti.content.media import limits_for


@pytest.mark.parametrize("platform", sorted(registry.API_PLATFORMS))
def test_editor_limits_are_the_connectors(platform: str) -> None:
    editor = limits_for(platform)
    sent = registry.connector_class(platform).limits
    assert editor is not None
    assert editor.image_max == (sent.image_max_bytes if sent.max_images else None)
    assert editor.video_max == (sent.video_max_bytes if sent.max_videos else None)


def test_manual_platforms_keep_their_own_limits_and_unknown_ones_none() -> None:
    tiktok = limits_for("tiktok")
    assert tiktok is not None and tiktok.image_max is not None
    assert limits_for("myspace") is None
