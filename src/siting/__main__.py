"""``python -m siting`` runs the ``siting`` command."""

import sys

from .cli import main

sys.exit(main())
