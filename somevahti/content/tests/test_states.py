"""The post state machine: every allowed move works, the rest are conflicts."""

from __future__ import annotations

import pytest

from somevahti.content.models import Post
from somevahti.content.states import ALLOWED, ENGINE_MOVES, ENGINE_ONLY, FINAL, transition
from somevahti.core.errors import Conflict

S = Post.State
ALL = list(S.values)
PAIRS = [(a, b) for a in ALL for b in ALL]
ALLOWED_PAIRS = [(a, b) for a, b in PAIRS if b in ALLOWED[a]]
FORBIDDEN_PAIRS = [(a, b) for a, b in PAIRS if b not in ALLOWED[a]]


def _engine(a: str, b: str) -> bool:
    return b in ENGINE_ONLY or (a, b) in ENGINE_MOVES


def test_every_state_has_a_row() -> None:
    assert set(ALLOWED) == set(ALL)
    assert {S.PUBLISHED, S.PUBLISHED_MANUALLY, S.CANCELLED} == FINAL


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_allowed_moves(current: str, target: str) -> None:
    post = Post(state=current)
    by_engine = _engine(current, target)
    assert transition(post, target, by_engine=by_engine) == current
    assert post.state == target
    # The other side may not make the same move: people never move past "scheduled".
    other = Post(state=current)
    with pytest.raises(Conflict):
        transition(other, target, by_engine=not by_engine)
    assert other.state == current


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_PAIRS)
def test_forbidden_moves(current: str, target: str) -> None:
    for by_engine in (False, True):
        post = Post(state=current)
        with pytest.raises(Conflict):
            transition(post, target, by_engine=by_engine)
        assert post.state == current


def test_the_main_path() -> None:
    post = Post(state=S.DRAFT)
    for target in (S.IN_REVIEW, S.APPROVED, S.SCHEDULED):
        transition(post, target)
    for target in (S.PUBLISHING, S.PUBLISHED):
        transition(post, target, by_engine=True)
    assert post.state == S.PUBLISHED


@pytest.mark.parametrize("target", [S.PUBLISHING, S.PUBLISHED, S.FAILED, S.UNCONFIRMED])
def test_people_never_move_a_scheduled_post_onwards(target: str) -> None:
    with pytest.raises(Conflict):
        transition(Post(state=S.SCHEDULED), target)
