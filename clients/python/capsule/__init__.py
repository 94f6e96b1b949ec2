"""Capsule's host-side API, as the Rust project's Python package offers it (``from capsule import run``), on top of a
``capsule serve``: a program written against that API runs unchanged once this client is installed.

The server is ``$CAPSULE_URL`` (default ``http://127.0.0.1:7070``) with the token ``$CAPSULE_TOKEN``, or the ``url``
and ``token`` arguments. The task file is sent as its source (its name keeps its language: ``.py``, ``.js``, ``.mjs``,
``.ts``, ``.mts``); the result is Capsule's envelope ``{success, result, error, execution}``. Differences: the task is
journaled and retried by the server's policy, and what it may use is bounded by the server's operator
(docs/migrating-from-capsule.md).
"""

import asyncio
import os

from capsule_client import Capsule

__all__ = ["run", "run_with_worker"]

_JAVASCRIPT = (".js", ".mjs", ".ts", ".mts")


def _client(url, token):
    return Capsule(url or os.environ.get("CAPSULE_URL", "http://127.0.0.1:7070"), token or os.environ.get("CAPSULE_TOKEN"))


def _run(file, args, url, token, timeout, options):
    path = os.path.abspath(file)
    with open(path, encoding="utf-8") as f:
        source = f.read()
    language = "javascript" if path.endswith(_JAVASCRIPT) else "python"
    return _client(url, token).run(source, language, timeout=timeout, args=[str(a) for a in (args or [])],
                                   file=os.path.basename(path), **options)


async def run(file, args=None, url=None, token=None, timeout=600, **options):
    """Runs the task file ``file`` with ``args`` (strings, as on a command line) and returns its envelope."""
    return await asyncio.to_thread(_run, file, args, url, token, timeout, options)


async def run_with_worker(file, args=None, url=None, token=None, timeout=600, **options):
    """As :func:`run`: the server's workers are the worker (Capsule started a local one)."""
    return await run(file, args, url=url, token=token, timeout=timeout, **options)
