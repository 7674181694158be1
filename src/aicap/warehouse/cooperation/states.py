"""The life of a match: an explicit transition table; anything not in it is refused.

::

    proposed -> accepted | declined | lapsed
    accepted -> committed | declined | lapsed
    committed -> in_progress | lapsed
    in_progress -> partially_fulfilled | fulfilled | lapsed
    partially_fulfilled -> fulfilled | lapsed
    declined, fulfilled, lapsed: final
"""

from __future__ import annotations

from enum import StrEnum


class MatchState(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    committed = "committed"
    in_progress = "in_progress"
    partially_fulfilled = "partially_fulfilled"
    fulfilled = "fulfilled"
    lapsed = "lapsed"


S = MatchState
TRANSITIONS: dict[MatchState, frozenset[MatchState]] = {
    S.proposed: frozenset({S.accepted, S.declined, S.lapsed}),
    S.accepted: frozenset({S.committed, S.declined, S.lapsed}),
    S.committed: frozenset({S.in_progress, S.lapsed}),
    S.in_progress: frozenset({S.partially_fulfilled, S.fulfilled, S.lapsed}),
    S.partially_fulfilled: frozenset({S.fulfilled, S.lapsed}),
    S.declined: frozenset(),
    S.fulfilled: frozenset(),
    S.lapsed: frozenset(),
}
FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


class IllegalTransitionError(ValueError):
    """A transition that the table does not allow."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        allowed = sorted(TRANSITIONS.get(MatchState(current), frozenset()))
        super().__init__(
            f"a {current} match cannot become {target} "
            f"(allowed: {', '.join(allowed) if allowed else 'none, the state is final'})"
        )


def check_transition(current: str, target: str) -> MatchState:
    """The target state, or :class:`IllegalTransitionError`."""
    try:
        cur, tgt = MatchState(current), MatchState(target)
    except ValueError:
        raise IllegalTransitionError(current, target) from None
    if tgt not in TRANSITIONS[cur]:
        raise IllegalTransitionError(current, target)
    return tgt
