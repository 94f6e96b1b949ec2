# Capsule's entry point for Python tasks: CPython runs this file (never cached); the work is in capsule._boot.
# Once the outcome is reported the interpreter exits at once: its own finalisation would only spend the task's fuel.
import sys
import posix

from capsule._boot import main

_code = main()
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.flush()
    except Exception:
        pass
posix._exit(_code)
