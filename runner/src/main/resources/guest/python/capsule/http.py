"""HTTP through the host (docs/host-api.md, op ``http``): only to the hosts the task is granted.

A response reads both ways Capsule's SDK and ``requests`` users expect: ``status`` or ``status_code``; ``text`` is the
body as a string that can also be called (``text()``); ``ok`` is true for 2xx and 3xx and can also be called
(``ok()``); ``json()`` parses the body.
"""
from capsule._host import call as _call, dumps as _dumps, loads as _loads

__all__ = ['get', 'post', 'put', 'patch', 'delete', 'request', 'Response']


class _Text(str):
    """The body: a ``str`` that also answers ``text()``."""
    __slots__ = ()

    def __call__(self):
        return str(self)


class _Ok:
    """Whether the status is 2xx or 3xx: truthy like a bool, and callable like Capsule's ``ok()``."""
    __slots__ = ('_value',)

    def __init__(self, value):
        self._value = value

    def __bool__(self):
        return self._value

    def __call__(self):
        return self._value

    def __eq__(self, other):
        return self._value == (other._value if isinstance(other, _Ok) else other)

    def __hash__(self):
        return hash(self._value)

    def __repr__(self):
        return repr(self._value)

    def __capsule_json__(self):
        return self._value


class Response:
    __slots__ = ('status', 'url', 'headers', 'text', 'truncated')

    def __init__(self, reply):
        self.status = reply.get('status', 0)
        self.url = reply.get('url')
        self.headers = reply.get('headers') or {}
        self.text = _Text(reply.get('body') or '')
        self.truncated = bool(reply.get('truncated'))

    @property
    def status_code(self):
        return self.status

    @property
    def ok(self):
        return _Ok(200 <= self.status < 400)

    def json(self):
        return _loads(self.text)

    def __repr__(self):
        return '<capsule.http.Response %s>' % self.status


def request(method, url, body=None, json=None, headers=None, timeout=None):
    """One request; an error reply (refused host, timeout, network failure) raises :class:`capsule.HostError`."""
    headers = dict(headers) if headers else {}
    if json is not None:
        body = _dumps(json)
        if not any(k.lower() == 'content-type' for k in headers):
            headers['Content-Type'] = 'application/json'
    req = {'op': 'http', 'method': method.upper(), 'url': url}
    if headers:
        req['headers'] = {str(k): str(v) for k, v in headers.items()}
    if body is not None:
        req['body'] = body.decode() if isinstance(body, (bytes, bytearray)) else str(body)
    if timeout is not None:
        req['timeout'] = timeout
    return Response(_call(req))


def get(url, headers=None, timeout=None):
    return request('GET', url, headers=headers, timeout=timeout)


def post(url, body=None, json=None, headers=None, timeout=None):
    return request('POST', url, body=body, json=json, headers=headers, timeout=timeout)


def put(url, body=None, json=None, headers=None, timeout=None):
    return request('PUT', url, body=body, json=json, headers=headers, timeout=timeout)


def patch(url, body=None, json=None, headers=None, timeout=None):
    return request('PATCH', url, body=body, json=json, headers=headers, timeout=timeout)


def delete(url, headers=None, timeout=None):
    return request('DELETE', url, headers=headers, timeout=timeout)
