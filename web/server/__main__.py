"""``python -m web.server`` (or ``carnet-server``): the server's one entry point.

``serve`` runs the HTTP server with settings from the environment; ``migrate`` applies the
pending database migrations to ``CARNET_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from web.server.app import create_app
from web.server.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carnet-server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    sub.add_parser("migrate", help="apply the pending database migrations")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        from vault.storage.__main__ import main as migrate_main

        return migrate_main(["migrate"])
    app = create_app(Settings.from_env())
    uvicorn.run(app, host=args.host, port=args.port, log_level="info",
                access_log=False)  # access logs would carry ids and paths; keep them off
    return 0


if __name__ == "__main__":
    sys.exit(main())
