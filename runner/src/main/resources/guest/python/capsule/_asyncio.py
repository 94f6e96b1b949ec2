"""asyncio in the sandbox (docs/languages.md). CPython's own event loop makes a socket pair to wake itself, which
WASI does not have; this loop needs none. Timers sleep (WASI ``poll_oneoff``, bounded by the attempt's deadline);
child tasks awaited in the loop are waited for with ``task.wait``, any of them, until the next timer is due.

The loop's clock is the monotonic clock plus what waits skipped: a replay answers sleeps and journaled waits at once
(docs/steps.md), so when a wait ends at its timeout the clock is moved to that timeout, and timers fire in the same
order as in the run that was journaled."""
import asyncio
import time

from capsule._host import HostError, call as _call


class _Waiter:
    """Stands in for the selector: returns when the next timer is due or a child task has finished."""

    def __init__(self, loop):
        self._loop = loop

    def select(self, timeout):
        children = self._loop._capsule_children
        if timeout == 0:
            return []
        started = time.monotonic()
        if children:
            request = {'op': 'task.wait', 'ids': list(children), 'any': True}
            if timeout is not None:
                request['timeout_ms'] = max(0, int(timeout * 1000))
            try:
                results = _call(request).get('results') or {}
            except HostError as e:
                from capsule import TaskCallError
                for future in children.values():
                    if not future.done():
                        future.set_exception(TaskCallError(e.type, e.message))
                children.clear()
                return []
            for id, envelope in results.items():
                future = children.pop(id, None)
                if future is not None and not future.done():
                    future.set_result(envelope)
            if not results and timeout is not None:
                self._loop._skip_to(started + timeout)
        elif timeout is None:
            raise RuntimeError('the event loop has nothing left to run: every coroutine awaits something that nothing '
                               'in this task can deliver')
        else:
            time.sleep(timeout)
            self._loop._skip_to(started + timeout)
        return []

    def close(self):
        pass


class CapsuleEventLoop(asyncio.BaseEventLoop):
    def __init__(self):
        super().__init__()
        self._selector = _Waiter(self)
        self._capsule_children = {}
        self._skipped = 0.0

    def time(self):
        return time.monotonic() + self._skipped

    def _skip_to(self, monotonic_deadline):
        """After a wait that ended at its timeout: the loop's clock reads at least that time."""
        behind = monotonic_deadline - time.monotonic()
        if behind > 0:
            self._skipped += behind

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass

    def child_future(self, id):
        """The future of child task ``id``'s envelope, resolved when a wait of this loop sees it finish."""
        future = self._capsule_children.get(id)
        if future is None:
            future = self.create_future()
            self._capsule_children[id] = future
        return future


class CapsuleEventLoopPolicy(asyncio.events.BaseDefaultEventLoopPolicy):
    _loop_factory = CapsuleEventLoop


def install(module):
    module.set_event_loop_policy(CapsuleEventLoopPolicy())


def running_loop():
    """The running Capsule event loop of this thread, or None."""
    loop = asyncio.events._get_running_loop()
    return loop if isinstance(loop, CapsuleEventLoop) else None
