"""``python -m web serve``: run the server with settings from the environment."""

from __future__ import annotations

import argparse

import uvicorn

from web.app import create_app
from web.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m web")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if args.command == "serve":
        app = create_app(Settings.from_env())
        uvicorn.run(app, host=args.host, port=args.port, log_level="info",
                    access_log=False)  # access logs would carry ids and paths; keep them off


if __name__ == "__main__":
    main()
