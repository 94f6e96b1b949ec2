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
        if timeout == 0:
            return []
        children = self._loop._awaited_children()
        started = time.monotonic()
        if children:
            request = {'op': 'task.wait', 'ids': children, 'any': True}
            if timeout is not None:
                request['timeout_ms'] = max(0, int(timeout * 1000))
            try:
                reply = _call(request)
            except HostError as e:
                from capsule import TaskCallError
                self._loop._fail_children(TaskCallError(e.type, e.message))
                return []
            results = reply.get('results') or {}
            for id, envelope in results.items():
                self._loop._finish_child(id, envelope)
            elapsed = reply.get('elapsed_ms')
            if elapsed is not None:
                self._loop._skip_to(started + elapsed / 1000)
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
        self._children = {}
        self._skipped = 0.0

    def time(self):
        return time.monotonic() + self._skipped

    def _skip_to(self, monotonic_deadline):
        """After a wait that a replay answered at once: the loop's clock reads at least the time it took live."""
        behind = monotonic_deadline - time.monotonic()
        if behind > 0:
            self._skipped += behind

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass

    def child_future(self, id):
        """A future of child task ``id``'s envelope for one awaiter, resolved when a wait of this loop sees it finish;
        cancelling it (a timeout) leaves the child and its other awaiters alone."""
        future = self.create_future()
        self._children.setdefault(id, []).append(future)
        return future

    def _awaited_children(self):
        """The children some coroutine still awaits, in the order they were first awaited."""
        for id in [id for id, futures in self._children.items() if all(f.done() for f in futures)]:
            del self._children[id]
        return list(self._children)

    def _finish_child(self, id, envelope):
        for future in self._children.pop(id, ()):
            if not future.done():
                future.set_result(envelope)

    def _fail_children(self, error):
        for futures in self._children.values():
            for future in futures:
                if not future.done():
                    future.set_exception(error)
        self._children.clear()


class CapsuleEventLoopPolicy(asyncio.events.BaseDefaultEventLoopPolicy):
    _loop_factory = CapsuleEventLoop


def install(module):
    module.set_event_loop_policy(CapsuleEventLoopPolicy())


def running_loop():
    """The running Capsule event loop of this thread, or None."""
    loop = asyncio.events._get_running_loop()
    return loop if isinstance(loop, CapsuleEventLoop) else None
