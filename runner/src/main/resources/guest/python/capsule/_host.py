"""The host-call channel through the file /capsule/call (docs/host-api.md): one JSON request, one JSON reply.

JSON goes through the interpreter's built-in ``_json`` accelerator directly: importing the ``json`` package costs
tens of milliseconds in the sandbox (it imports ``re``), more than a whole small task.
"""
try:
    import posix as _os
except ImportError:  # pragma: no cover - not a POSIX-like build
    import os as _os

_CHUNK = 65536
# The host's limit for one request (docs/host-api.md); the channel file refuses a longer write with EFBIG.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
_fd = None


class HostError(Exception):
    """The host refused or failed a request: ``type`` is the error type (docs/host-api.md), the text its message."""

    def __init__(self, type, message):
        super().__init__(message)
        self.type = type
        self.message = message


def _not_serialisable(o):
    as_json = getattr(type(o), '__capsule_json__', None)
    if as_json is not None:
        return as_json(o)
    raise TypeError('Object of type %s is not JSON serializable' % type(o).__name__)


def _constant(name):
    return float({'NaN': 'nan', 'Infinity': 'inf', '-Infinity': '-inf'}[name])


class _Decoding:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_constant)


try:
    import _json

    _encode = _json.make_encoder(None, _not_serialisable, _json.encode_basestring, None, ':', ',', False, False, False)
    _scan = _json.make_scanner(_Decoding())

    def dumps(value):
        """Compact JSON; NaN and infinities are refused (ValueError), other non-JSON values raise TypeError."""
        return ''.join(_encode(value, 0))

    def loads(text):
        """Parses one JSON value; anything else is left to the ``json`` module, for its error message."""
        stripped = text.strip()
        try:
            value, end = _scan(stripped, 0)
            if end == len(stripped):
                return value
        except (StopIteration, ValueError):
            pass
        import json
        return json.loads(text)
except (ImportError, AttributeError, TypeError):  # pragma: no cover - an interpreter without the accelerator
    import json as _fallback

    def dumps(value):
        return _fallback.dumps(value, ensure_ascii=False, allow_nan=False, separators=(',', ':'), default=_not_serialisable)

    loads = _fallback.loads


def _channel():
    global _fd
    if _fd is None:
        _fd = _os.open('/capsule/call', _os.O_RDWR)
    return _fd


def exchange(request):
    """Sends ``request`` (a dict with ``op``) and returns the reply dict, errors included."""
    fd = _channel()
    encoded = dumps(request).encode()
    if len(encoded) > MAX_REQUEST_BYTES:
        return {'error': {'type': 'too_large', 'message': 'the request is %d bytes; the limit is %d (2 MiB)' % (len(encoded), MAX_REQUEST_BYTES)}}
    view = memoryview(encoded)
    while view:
        view = view[_os.write(fd, view):]
    reply = _os.read(fd, _CHUNK)
    if len(reply) == _CHUNK:
        chunks = [reply]
        while True:
            more = _os.read(fd, 1 << 20)
            if not more:
                break
            chunks.append(more)
        reply = b''.join(chunks)
    return loads(reply.decode())


def call(request):
    """As :func:`exchange`, but an error reply raises :class:`HostError`."""
    reply = exchange(request)
    error = reply.get('error')
    if error is not None:
        raise HostError(error.get('type', 'error'), error.get('message', ''))
    return reply
