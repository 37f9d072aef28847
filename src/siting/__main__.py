"""``python -m siting`` runs the ``siting`` command."""

import sys

from siting.cli import main

sys.exit(main())
