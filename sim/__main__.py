"""``python -m sim`` is the ``sim`` command."""
from .cli import main

raise SystemExit(main())
