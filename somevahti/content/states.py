"""The post state machine: one table of allowed moves and one function that applies them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from somevahti.content.models import Post
from somevahti.core.errors import Conflict

S = Post.State

ALLOWED: dict[str, frozenset[str]] = {
    # Approving straight from a draft is only offered where the unit has no four eyes.
    S.DRAFT: frozenset({S.IN_REVIEW, S.APPROVED, S.CANCELLED}),
    # Back to draft: the author withdrew it or edited it under review.
    S.IN_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.DRAFT, S.CANCELLED}),
    S.REJECTED: frozenset({S.DRAFT, S.CANCELLED}),
    # Editing an approved or scheduled post voids the approval (back to draft).
    S.APPROVED: frozenset({S.SCHEDULED, S.DRAFT, S.CANCELLED, S.PUBLISHED_MANUALLY}),
    S.SCHEDULED: frozenset({S.PUBLISHING, S.APPROVED, S.DRAFT, S.CANCELLED, S.PUBLISHED_MANUALLY}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.UNCONFIRMED}),
    # A retry sends again only the channels that failed (the engine reopens the post).
    S.FAILED: frozenset({S.SCHEDULED, S.PUBLISHING, S.CANCELLED, S.PUBLISHED_MANUALLY}),
    S.UNCONFIRMED: frozenset({S.PUBLISHED, S.FAILED, S.PUBLISHING, S.PUBLISHED_MANUALLY}),
    S.PUBLISHED: frozenset(),
    S.PUBLISHED_MANUALLY: frozenset(),
    S.CANCELLED: frozenset(),
}

# Only the publishing engine moves a post into these (past "scheduled").
ENGINE_ONLY: frozenset[str] = frozenset({S.PUBLISHING, S.PUBLISHED, S.FAILED, S.UNCONFIRMED})
# Moves the engine owns even though the target is a user state: a retry after failure.
ENGINE_MOVES: frozenset[tuple[str, str]] = frozenset({(S.FAILED, S.SCHEDULED)})
FINAL: frozenset[str] = frozenset(s for s, nxt in ALLOWED.items() if not nxt)
EDITABLE: frozenset[str] = frozenset({S.DRAFT, S.IN_REVIEW, S.REJECTED, S.APPROVED, S.SCHEDULED})


def can_move(current: str, to_state: str, *, by_engine: bool = False) -> bool:
    if to_state not in ALLOWED.get(current, frozenset()):
        return False
    engine_move = to_state in ENGINE_ONLY or (current, to_state) in ENGINE_MOVES
    return engine_move == by_engine


def transition(post: Post, to_state: str, *, by_engine: bool = False) -> str:
    """Set the new state on ``post`` (the caller saves it inside its transaction) and return
    the previous one. A move the table does not allow means the post has moved on: 409."""
    current = post.state
    if not can_move(current, to_state, by_engine=by_engine):
        raise Conflict(
            _("This post is “%(state)s”, so it cannot be moved to “%(target)s”.")
            % {"state": S(current).label, "target": S(to_state).label}
        )
    post.state = to_state
    return current
