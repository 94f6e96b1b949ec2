"""What /lib/capsule/capsule_boot.py runs (docs/languages.md): asks the host what to do, loads /app/<file>,
describes its tasks or runs one, and reports the outcome through the op ``result``. A module rather than the
script itself so that its bytecode is cached."""
import sys

import _imp
import marshal

import capsule
from capsule import _host

APP = '/app'
LIB = '/lib/capsule'
BOOT_FILES = (__file__, LIB + '/capsule_boot.py')
# The source file's bytecode, when the runner compiled it beforehand (runner/.../guest/PythonBytecode.java).
BYTECODE = '/lib/capsule-code/main.pyc'
_CHECKED_HASH = b'\x03\x00\x00\x00'

# Set aside so that a MemoryError can still be reported; released before reporting it.
_reserve = bytearray(256 * 1024)


class Failure(Exception):
    """An error the boot reports as it is, without a traceback."""

    def __init__(self, type, message):
        super().__init__(message)
        self.type = type
        self.message = message


def read_source(file):
    try:
        return read(APP + '/' + file)
    except OSError as e:
        raise Failure('FileNotFoundError', 'cannot read %s: %s' % (file, e.strerror or e)) from None


def new_module(file):
    name = file.rsplit('/', 1)[-1]
    if name.endswith('.py'):
        name = name[:-3]
    if name in sys.modules:
        raise Failure('ImportError', 'the file name %s clashes with the module %s, which is already loaded; rename the file'
                      % (file, name))
    module = type(sys)(name)
    module.__file__ = APP + '/' + file
    sys.modules[name] = module
    return module


def load(file, source):
    path = APP + '/' + file
    code = cached_code(path, source)
    if code is None:
        code = compile(source, path, 'exec')
    module = new_module(file)
    exec(code, module.__dict__)
    return module


def declares_tasks(source):
    """Whether the source uses ``task`` (as a decorator or a call); one that does not is a snippet (docs/languages.md)."""
    if b'task' not in source:
        return False
    import ast
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    return any(isinstance(node, ast.Name) and node.id == 'task' or isinstance(node, ast.Attribute) and node.attr == 'task'
               for node in ast.walk(tree))


def run_snippet(file, source, name, args, durable):
    """The implicit task "main" of a source that declares no task: its top-level code, whose result is its variable
    ``result`` if it sets one, else the value of its last statement when that is an expression, else None. Top-level
    ``await`` is allowed."""
    if name != 'main':
        raise Failure('UnknownTask', '%s declares no tasks; its only task is the implicit "main"' % file)
    import ast
    path = APP + '/' + file
    tree = ast.parse(source, path)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[ast.Name('__capsule_last__', ast.Store())], value=last.value), last)
        ast.fix_missing_locations(tree)
    code = compile(tree, path, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    module = new_module(file)
    capsule._entry_args[:] = args
    _host.call({'op': 'begin'})
    if durable:
        reseed_random()
    pending = eval(code, module.__dict__)
    if type(pending).__name__ == 'coroutine':
        import asyncio
        asyncio.run(pending)
    return module.__dict__['result'] if 'result' in module.__dict__ else module.__dict__.get('__capsule_last__')


def read(path):
    """A whole file, with fewer WASI calls than open() (each costs a trip through the runner)."""
    fd = _host._os.open(path, _host._os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = _host._os.read(fd, 1 << 20)
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)
    finally:
        _host._os.close(fd)


def cached_code(path, source):
    """The precompiled code of ``source``, if it is there and its checked hash matches; None otherwise."""
    try:
        data = read(BYTECODE)
    except OSError:
        return None
    loader = sys.modules.get('_frozen_importlib_external')
    if (loader is None or data[:4] != loader.MAGIC_NUMBER or data[4:8] != _CHECKED_HASH
            or data[8:16] != _imp.source_hash(loader._RAW_MAGIC_NUMBER, source)):
        return None
    code = marshal.loads(memoryview(data)[16:])
    return code if getattr(code, 'co_filename', None) == path else None


def no_main(file):
    return Failure('NoMainTask', '%s declares no task named "main", the entry point: decorate the function to run with '
                                 '@task(name="main") (from capsule import task); it declares: %s'
                   % (file, ', '.join(sorted(capsule._tasks)) or 'none'))


def describe():
    return {'tasks': {name: dict(t.options) for name, t in capsule._tasks.items()}}


def run(file, name, args, kwargs, durable):
    t = capsule._tasks.get(name)
    if t is None:
        raise Failure('UnknownTask', 'no task named "%s" in %s; its tasks: %s'
                      % (name, file, ', '.join(sorted(capsule._tasks)) or 'none'))
    capsule._entry_args[:] = args
    _host.call({'op': 'begin'})
    if durable:
        reseed_random()
    value = t.fn(*args, **kwargs)
    if type(value).__name__ == 'coroutine':
        import asyncio
        value = asyncio.run(value)
    return value


_random_seed = None
_random_seeded_by_source = False


class _AfterImport:
    """A finder that hands out module ``name`` with a loader that calls ``after(module)`` once it has run; it
    removes itself on first use. ``random`` (its readings are steps only from ``begin`` on, docs/steps.md, but it
    seeds itself when the source imports it) and ``asyncio`` (its event loop needs a socket pair) are watched so."""

    def __init__(self, name, after):
        self.name = name
        self.after = after

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, 'find_spec', None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenCall(spec.loader, self.after)
                return spec
        return None


class _ThenCall:
    def __init__(self, loader, after):
        self.loader = loader
        self.after = after

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.after(module)


def _watch_seeding(module):
    """Notes whether the source seeds ``random`` itself."""
    global _random_seed
    _random_seed = module.seed

    def seed(*args, **kwargs):
        global _random_seeded_by_source
        _random_seeded_by_source = True
        return _random_seed(*args, **kwargs)

    seed.__doc__ = _random_seed.__doc__
    module.seed = seed


def _install_event_loop(module):
    from capsule import _asyncio
    _asyncio.install(module)


_random_watch = _AfterImport('random', _watch_seeding)


def watch_imports(durable):
    if durable and 'random' not in sys.modules:
        sys.meta_path.insert(0, _random_watch)
    if 'asyncio' in sys.modules:
        _install_event_loop(sys.modules['asyncio'])
    else:
        sys.meta_path.insert(0, _AfterImport('asyncio', _install_event_loop))


def reseed_random():
    """Seeds ``random`` again right after ``begin`` (one journaled step of 32 bytes), if the source imported it and
    did not seed it itself."""
    if _random_watch in sys.meta_path:
        sys.meta_path.remove(_random_watch)
    if _random_seed is not None and not _random_seeded_by_source:
        import os
        _random_seed(int.from_bytes(os.urandom(32), 'big'))




def report_value(what, value):
    try:
        _host.call({'op': 'result', 'value': value})
    except (TypeError, ValueError) as e:
        raise Failure('TypeError', '%s is not JSON-serialisable: %s' % (what, e)) from None
    except _host.HostError as e:
        if e.type == 'too_large':
            raise Failure('ResultTooLarge', '%s is larger than the 2 MiB limit (%s)' % (what, e.message)) from None
        raise Failure('HostError', 'cannot report %s: %s' % (what, e.message)) from None


def user_traceback(e):
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in BOOT_FILES:
        tb = tb.tb_next
    return tb


def format_traceback(e, low_memory):
    tb = user_traceback(e)
    if low_memory:
        lines = ['Traceback (most recent call last):\n']
        while tb is not None:
            code = tb.tb_frame.f_code
            lines.append('  File "%s", line %s, in %s\n' % (code.co_filename, tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        lines.append('%s: %s\n' % (type(e).__name__, e) if str(e) else type(e).__name__ + '\n')
        return ''.join(lines)
    import traceback
    return ''.join(traceback.format_exception(type(e), e, tb))


def explain(e):
    """The message for an exception, with advice where the sandbox is the cause."""
    if isinstance(e, SyntaxError):
        where = (e.filename or '?').replace(APP + '/', '', 1)
        return '%s (%s, line %s)' % (e.msg, where, e.lineno)
    if isinstance(e, ImportError) and e.name and e.name.partition('.')[0] not in sys.modules:
        top = e.name.partition('.')[0]
        if top in sys.stdlib_module_names:
            return '%s: the module %s of the standard library is not available in the sandbox' % (e, top)
        if isinstance(e, ModuleNotFoundError):
            return ('%s: only the standard library and pure-Python packages (placed beside the source file) are '
                    'supported; C-extension packages such as numpy or pandas cannot run in the sandbox' % e)
    return str(e)


def report_error(type_name, message, traceback=None):
    error = {'type': type_name, 'message': message}
    if traceback:
        error['traceback'] = traceback
    try:
        _host.call({'op': 'result', 'error': error})
    except Exception as e:  # the channel itself failed: say so on stderr
        sys.stderr.write('capsule: cannot report the error %s (%s): %s\n' % (type_name, message, e))


def main():
    """Runs the invocation and returns the exit code: 0 when the result was reported, 1 after an error."""
    global _reserve
    # Line by line, so what a task printed is kept when fuel or time stops it mid-run.
    sys.stdout.reconfigure(line_buffering=True)
    if sys.path[:1] != [LIB]:
        sys.path.insert(0, LIB)
    sys.path.insert(1, APP)
    invocation = _host.call({'op': 'invocation'})
    file = invocation.get('file') or ''
    task = invocation.get('task') or 'main'
    durable = bool(invocation.get('durable')) and invocation.get('mode') != 'describe'
    try:
        watch_imports(durable)
        source = read_source(file)
        if not declares_tasks(source):
            if invocation.get('mode') == 'describe':
                report_value('the tasks\' options', {'tasks': {'main': {'name': 'main'}}})
            else:
                report_value('the result of task main', run_snippet(file, source, task, invocation.get('args') or [], durable))
            return 0
        load(file, source)
        if 'main' not in capsule._tasks:
            raise no_main(file)
        if invocation.get('mode') == 'describe':
            report_value('the tasks\' options', describe())
        else:
            report_value('the result of task ' + task, run(file, task, invocation.get('args') or [], invocation.get('kwargs') or {}, durable))
        return 0
    except Failure as e:
        report_error(e.type, e.message)
    except SystemExit as e:
        report_error('SystemExit', 'task %s called sys.exit(%s)' % (task, '' if e.code is None else repr(e.code)))
    except MemoryError as e:
        _reserve = None
        report_error(type(e).__name__, str(e), format_traceback(e, True))
    except BaseException as e:
        try:
            traceback = format_traceback(e, False)
        except BaseException:
            traceback = format_traceback(e, True)
        report_error(type(e).__name__, explain(e), traceback)
    return 1
