"""``python -m web.cli``: the ``carnet`` command."""

import sys

from web.cli import main

sys.exit(main())
