"""Capsule's guest library for Python tasks (docs/languages.md)."""
from capsule._host import HostError, call as _call

__all__ = ['task', 'call', 'gather', 'args', 'sleep', 'HostError', 'TaskCallError', 'Task', 'Handle']

_OPTIONS = ('name', 'compute', 'ram', 'timeout', 'max_retries', 'allowed_files', 'allowed_hosts', 'env_variables')
_tasks = {}
_entry_args = []


class TaskCallError(HostError):
    """A child task could not be started or waited for (an unknown task, bad arguments): not a child's failure."""


def _child(op, name, args, kwargs):
    request = {'op': op, 'task': name, 'args': list(args), 'kwargs': kwargs}
    try:
        return _call(request)
    except HostError as e:
        raise TaskCallError(e.type, e.message) from None
    except (TypeError, ValueError) as e:
        raise TypeError('the arguments of task %s are not JSON-serialisable: %s' % (name, e)) from None


class Handle:
    """A child task started with :meth:`Task.spawn` (or by calling an ``async def`` task); :meth:`result` waits for
    its envelope, and so does ``await handle`` inside ``asyncio``, letting other coroutines and children run."""
    __slots__ = ('id', 'task', '_envelope')

    def __init__(self, id, task):
        self.id = id
        self.task = task
        self._envelope = None

    def result(self):
        if self._envelope is None:
            gather(self)
        return self._envelope

    def __await__(self):
        if self._envelope is None:
            loop = _running_loop()
            if loop is None:
                gather(self)
            else:
                self._envelope = yield from loop.child_future(self.id).__await__()
        return self._envelope

    def __repr__(self):
        return '<capsule.Handle %s %s>' % (self.task, self.id)


def _running_loop():
    import sys
    if 'asyncio' not in sys.modules:
        return None
    from capsule import _asyncio
    return _asyncio.running_loop()


class Task:
    """A function registered with :func:`task`. Calling it runs it as a child task in its own sandbox."""
    def __init__(self, fn, options):
        self.fn = fn
        self.name = options['name']
        self.options = options
        self.__name__ = getattr(fn, '__name__', self.name)
        self.__qualname__ = getattr(fn, '__qualname__', self.name)
        self.__doc__ = getattr(fn, '__doc__', None)
        self.__module__ = getattr(fn, '__module__', None)
        self.__wrapped__ = fn
        # CO_COROUTINE: an ``async def`` task is awaited by its callers
        self.is_async = bool(getattr(getattr(fn, '__code__', None), 'co_flags', 0) & 0x80)

    def __call__(self, *args, **kwargs):
        """Runs the task as a child and returns its envelope (``success``, ``result``, ``error``, ``execution``); for an
        ``async def`` task called inside a running event loop, starts it and returns a :class:`Handle` to await
        (``envelope = await child(x)``)."""
        if self.is_async and _running_loop() is not None:
            return self.spawn(*args, **kwargs)
        return _child('task.call', self.name, args, kwargs)['envelope']

    def spawn(self, *args, **kwargs):
        """Starts the task as a child without waiting; returns a :class:`Handle`."""
        return Handle(_child('task.start', self.name, args, kwargs)['id'], self.name)

    def __repr__(self):
        return '<capsule.Task %s>' % self.name


def task(fn=None, /, **options):
    """Registers a task: ``@task`` or ``@task(name=..., compute=..., ram=..., timeout=..., max_retries=...,
    allowed_files=[...], allowed_hosts=[...], env_variables=[...])``. ``name`` defaults to the function's name."""
    unknown = [k for k in options if k not in _OPTIONS]
    if unknown:
        raise TypeError('unknown task option %s; the options are %s' % (', '.join(unknown), ', '.join(_OPTIONS)))

    def register(f):
        if not callable(f):
            raise TypeError('@task decorates a function, not %s' % type(f).__name__)
        given = {'name': options.get('name') or f.__name__}
        for key in _OPTIONS[1:]:
            if key in options and options[key] is not None:
                given[key] = options[key]
        if given['name'] in _tasks:
            raise ValueError('two tasks are named %r' % given['name'])
        t = Task(f, given)
        _tasks[t.name] = t
        return t

    return register(fn) if fn is not None else register


def call(name, *args, **kwargs):
    """Runs task ``name`` as a child and returns its envelope; an unknown task raises :class:`TaskCallError`."""
    return _child('task.call', name, args, kwargs)['envelope']


def gather(*handles):
    """Waits for all ``handles`` (one request) and returns their envelopes in order."""
    if len(handles) == 1 and isinstance(handles[0], (list, tuple)):
        handles = tuple(handles[0])
    waiting = [h for h in handles if h._envelope is None]
    if waiting:
        ids = []
        for h in waiting:
            if h.id not in ids:
                ids.append(h.id)
        try:
            results = _call({'op': 'task.wait', 'ids': ids, 'any': False})['results']
        except HostError as e:
            raise TaskCallError(e.type, e.message) from None
        for h in waiting:
            h._envelope = results[h.id]
    return [h._envelope for h in handles]


def sleep(seconds):
    """Sleeps durably (docs/steps.md): a long sleep ends the attempt and the task resumes, by replay, when it is over."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError('sleep needs a number of seconds, at least 0')
    _call({'op': 'sleep', 'seconds': seconds})


def args():
    """The positional arguments of this task's call (for ``main``: the command line's arguments)."""
    return list(_entry_args)


def __getattr__(name):
    if name == 'http':
        import capsule.http
        return capsule.http
    raise AttributeError("module 'capsule' has no attribute %r" % name)
