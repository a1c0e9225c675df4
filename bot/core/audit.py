"""Where a moderator's change came from, so the audit trail can say "via dashboard".

A change made on the web dashboard runs the same store methods as a command. The dashboard marks the request with
:func:`changes_via`; each backend passes every audit line it writes through :func:`with_origin`, inside the same
transaction as the change. A context variable follows the request's task, so two requests never see each other's mark.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

DASHBOARD = "dashboard"

_origin: ContextVar[str | None] = ContextVar("audit_origin", default=None)


@dataclass(frozen=True, slots=True)
class AuditNote:
    """An audit line for the store to write in the same transaction as the change it describes."""

    user_id: int
    action: str
    """A short word, such as ``daily`` or ``pack``."""
    detail: str


@contextlib.contextmanager
def changes_via(origin: str) -> Iterator[None]:
    """Mark every audit line written inside this block as made through ``origin`` (e.g. the dashboard)."""
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def with_origin(detail: str) -> str:
    """Return an audit line's detail, followed by ``(via dashboard)`` when the change came from there."""
    origin = _origin.get()
    return f"{detail} (via {origin})" if origin else detail
