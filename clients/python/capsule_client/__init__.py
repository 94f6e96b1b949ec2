"""A small client for Capsule's REST API (``capsule serve``, docs/api.md), on the standard library only."""

from .client import Capsule, Event
from .errors import (BadRequest, CapsuleError, Conflict, Forbidden, NotFound, TooLarge, Unauthorized, Unavailable,
                     WaitTimeout)

__all__ = ["Capsule", "Event", "CapsuleError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
           "TooLarge", "Unavailable", "WaitTimeout"]
