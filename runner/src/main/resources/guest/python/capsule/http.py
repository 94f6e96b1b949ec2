"""HTTP through the host (docs/host-api.md, op ``http``): only to the hosts the task is granted."""
from capsule._host import call as _call, dumps as _dumps, loads as _loads

__all__ = ['get', 'post', 'request', 'Response']


class Response:
    __slots__ = ('status', 'url', 'headers', 'text', 'truncated')

    def __init__(self, reply):
        self.status = reply.get('status', 0)
        self.url = reply.get('url')
        self.headers = reply.get('headers') or {}
        self.text = reply.get('body') or ''
        self.truncated = bool(reply.get('truncated'))

    @property
    def ok(self):
        return 200 <= self.status < 400

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
