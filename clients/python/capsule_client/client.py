"""Capsule(url, token): the REST API of docs/api.md as methods."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .errors import BY_STATUS, CapsuleError, Unavailable, WaitTimeout

MAX_WAIT_SLICE = 30  # seconds; the server's long-poll limit is 60


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event of /api/v1/events: its id (resume after it), its type and its JSON data."""
    id: int
    event: str
    data: dict


class Capsule:
    """A client of one ``capsule serve``. ``token``: a bearer token of its token file (None on a loopback server without one)."""

    def __init__(self, url="http://127.0.0.1:7070", token=None, timeout=90):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    # -- tasks -------------------------------------------------------------------------------------------------
    def submit(self, source, language="python", args=None, kwargs=None, name=None, limits=None, grants=None,
               idempotency_key=None, labels=None, task=None, **fields):
        """Submits a task and returns its id at once. ``limits`` e.g. {"timeout": "30s", "ram": "128MB"}."""
        body = {"language": language, "source": source}
        for key, value in (("args", args), ("kwargs", kwargs), ("name", name), ("limits", limits), ("grants", grants),
                           ("idempotency_key", idempotency_key), ("labels", labels), ("task", task)):
            if value is not None:
                body[key] = value
        body.update(fields)
        return self._request("POST", "/api/v1/tasks", body)["id"]

    def run(self, source, language="python", timeout=600, **options):
        """Submits and waits: the envelope {success, result, error, execution}."""
        return self.wait(self.submit(source, language, **options), timeout=timeout)

    def get(self, task_id):
        """The task: status, attempts, events, steps, children, usage, result."""
        return self._request("GET", "/api/v1/tasks/" + _quote(task_id))

    def wait(self, task_id, timeout=60):
        """Waits up to ``timeout`` seconds for the envelope. Rides out a server restart (connection refused) until then;
        raises WaitTimeout if the task is still running."""
        deadline = time.monotonic() + timeout
        status = "PENDING"
        while True:
            left = deadline - time.monotonic()
            wait = max(0, min(MAX_WAIT_SLICE, int(left)))
            try:
                reply, code = self._request("GET", "/api/v1/tasks/%s/result?wait=%ds" % (_quote(task_id), wait), with_status=True)
                if code == 200:
                    return reply
                status = reply.get("status", status)
            except Unavailable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                raise WaitTimeout(task_id, status)

    def cancel(self, task_id):
        """Cancels the task and its unfinished children: {id, outcome, children}."""
        return self._request("POST", "/api/v1/tasks/%s/cancel" % _quote(task_id))

    def list(self, status=None, name=None, language=None, labels=None, parent=None, roots_only=None, since=None,
             until=None, q=None, limit=None, cursor=None):
        """A page of tasks, newest first: {tasks, next_cursor}. ``labels``: {key: value} that must match."""
        params = []
        for key, value in (("status", status), ("name", name), ("language", language), ("parent", parent),
                           ("since", since), ("until", until), ("q", q), ("limit", limit), ("cursor", cursor)):
            if value is not None:
                params.append((key, str(value)))
        if roots_only:
            params.append(("roots_only", "true"))
        for key, value in (labels or {}).items():
            params.append(("label", "%s=%s" % (key, value)))
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return self._request("GET", "/api/v1/tasks" + query)

    def output(self, task_id):
        """The stdout and stderr of each attempt."""
        return self._request("GET", "/api/v1/tasks/%s/output" % _quote(task_id))

    def events(self, after=None, tree=None):
        """Status transitions as they happen (Server-Sent Events), an endless iterator of Event; ``after``: resume after
        this event id; ``tree``: only this task and its descendants. Close the iterator to disconnect."""
        params = {}
        if after is not None:
            params["after"] = str(after)
        if tree is not None:
            params["tree"] = tree
        url = self.url + "/api/v1/events" + ("?" + urllib.parse.urlencode(params) if params else "")
        response = self._open(urllib.request.Request(url, headers=self._headers({"Accept": "text/event-stream"})), None)
        return _sse(response)

    # -- plumbing ----------------------------------------------------------------------------------------------
    def _headers(self, extra=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        headers.update(extra or {})
        return headers

    def _request(self, method, path, body=None, with_status=False):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = self._headers({"Content-Type": "application/json"} if data is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with self._open(request, self.timeout) as response:
            payload = json.loads(response.read().decode("utf-8") or "null")
            return (payload, response.status) if with_status else payload

    def _open(self, request, timeout):
        try:
            return urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as e:
            raise _error(e) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            reason = getattr(e, "reason", e)
            raise Unavailable("cannot reach %s: %s" % (self.url, reason)) from None


def _quote(task_id):
    return urllib.parse.quote(task_id, safe="")


def _error(e):
    try:
        body = json.loads(e.read().decode("utf-8"))
        message, error_type = body.get("message", str(e)), body.get("error_type")
    except (ValueError, AttributeError):
        message, error_type = "HTTP %d" % e.code, None
    return BY_STATUS.get(e.code, CapsuleError)(message, e.code, error_type)


def _sse(response):
    try:
        event_id, event_type, data = None, "message", []
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if data:
                    yield Event(int(event_id) if event_id is not None else None, event_type, json.loads("\n".join(data)))
                event_id, event_type, data = None, "message", []
            elif line.startswith(":"):
                continue
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "id":
                    event_id = value
                elif field == "event":
                    event_type = value
                elif field == "data":
                    data.append(value)
    finally:
        response.close()
