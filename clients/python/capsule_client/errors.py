"""Typed errors: each HTTP error of the API is a subclass of CapsuleError with the server's error_type and message."""


class CapsuleError(Exception):
    """A refused request: ``status`` (HTTP, or None when the server could not be reached), ``error_type``, ``message``."""

    def __init__(self, message, status=None, error_type=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type


class BadRequest(CapsuleError):
    """400: an invalid argument (the message names it)."""


class Unauthorized(CapsuleError):
    """401: no token, or a token the server does not know."""


class Forbidden(CapsuleError):
    """403: beyond the operator's bounds, a read-only token, or a Host/Origin the server refuses."""


class NotFound(CapsuleError):
    """404: no such task."""


class Conflict(CapsuleError):
    """409: e.g. a rerun the server refuses."""


class TooLarge(CapsuleError):
    """413: the request body is over the server's max_body."""


class Unavailable(CapsuleError):
    """503, or the server could not be reached (status None)."""


class WaitTimeout(CapsuleError):
    """wait() gave up: the task is still running; ``task_status`` is its last known status."""

    def __init__(self, task_id, task_status):
        super().__init__("task %s is still %s" % (task_id, task_status), None, "wait_timeout")
        self.task_id = task_id
        self.task_status = task_status


BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: TooLarge,
             503: Unavailable}
