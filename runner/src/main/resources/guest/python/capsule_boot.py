# Capsule's entry point for Python tasks: CPython runs this file (never cached); the work is in capsule._boot.
from capsule._boot import main

raise SystemExit(main())
