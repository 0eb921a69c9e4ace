"""The shared control a test uses to make a double fail its next matching request."""

from __future__ import annotations

import time
from typing import Any, ClassVar


class Forced:
    """``force(situation)`` queues a failure; the double ``_take``s it when it applies."""

    FORCEABLE: ClassVar[frozenset[str]] = frozenset()
    forced: list[str]
    tokens: dict[str, Any]

    def force(self, situation: str) -> bool:
        """Make the next matching request fail the way the platform fails; False if the
        platform has no such failure."""
        if situation not in self.FORCEABLE:
            return False
        self.forced.append(situation)
        return True

    def _take(self, situation: str) -> bool:
        if situation in self.forced:
            self.forced.remove(situation)
            return True
        return False

    def expire(self, token: str) -> None:
        self.tokens[token].expires_at = time.time() - 1
