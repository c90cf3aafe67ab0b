"""``python -m vault.storage migrate [--url URL]``: migrate ``--url``, else ``CARNET_DATABASE_URL``.

Kept for older scripts: the server's entry point is ``python -m web.server migrate``. This
program reads the environment only for ``--url``'s default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from vault.storage.engine import DEFAULT_DATABASE_URL
from vault.storage.migrate import MigrationError, migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vault.storage")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("migrate", help="apply the pending piccolo migrations")
    run.add_argument(
        "--url",
        default=os.environ.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="database URL (default: $CARNET_DATABASE_URL, else %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        output = asyncio.run(migrate(args.url))
    except MigrationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(output, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
