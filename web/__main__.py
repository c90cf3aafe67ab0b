"""``python -m web serve``: kept for older scripts; the entry point is ``python -m web.server``."""

import sys

from web.server.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
