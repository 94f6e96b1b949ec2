"""The host-call channel through the file /capsule/call (docs/host-api.md): one JSON request, one JSON reply."""
import json
import os

_CHUNK = 65536
_fd = None


class HostError(Exception):
    """The host refused or failed a request: ``type`` is the error type (docs/host-api.md), the text its message."""

    def __init__(self, type, message):
        super().__init__(message)
        self.type = type
        self.message = message


def _channel():
    global _fd
    if _fd is None:
        _fd = os.open('/capsule/call', os.O_RDWR)
    return _fd


def exchange(request):
    """Sends ``request`` (a dict with ``op``) and returns the reply dict, errors included."""
    fd = _channel()
    data = json.dumps(request, ensure_ascii=False, allow_nan=False).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    reply = os.read(fd, _CHUNK)
    if len(reply) == _CHUNK:
        chunks = [reply]
        while True:
            more = os.read(fd, 1 << 20)
            if not more:
                break
            chunks.append(more)
        reply = b''.join(chunks)
    return json.loads(reply)


def call(request):
    """As :func:`exchange`, but an error reply raises :class:`HostError`."""
    reply = exchange(request)
    error = reply.get('error')
    if error is not None:
        raise HostError(error.get('type', 'error'), error.get('message', ''))
    return reply
