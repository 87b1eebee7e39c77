"""``python -m kringloop`` runs the command-line interface."""

from kringloop.cli import main

raise SystemExit(main())
