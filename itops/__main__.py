"""``python -m itops`` runs the command line."""

import sys

from itops.cli import main

sys.exit(main())
