"""``python -m web.server`` (or ``carnet-server``): the server's one entry point.

``init`` creates the key files missing from ``CARNET_DATA_DIR`` (those no ``CARNET_*``
variable replaces; idempotent) and, in development mode, a stand-in directory authority and
emergency service key in ``CARNET_DEV_KEYS_DIR`` (default ``dev-keys``, outside the data dir);
``migrate`` applies the pending database migrations to ``CARNET_DATABASE_URL``; ``serve``
runs the HTTP server with settings from the environment (it writes no key file: run ``init``
first) and, when it uses development keys, says so in one line on stderr. A bad setting
(including ``CARNET_MODE=production`` without the public keys) exits with code 2 and one line
on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path

from vault.storage.migrate import MigrationError, migrate
from web.server.provision import FILE_MODE, provision, provision_dev_keys
from web.server.settings import (
    FOREIGN_SECRETS,
    Settings,
    SettingsError,
    database_url,
    dev_keys_dir,
    key_files,
    server_mode,
)

EXIT_BAD_SETTINGS = 2


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one subcommand; ``env`` defaults to ``os.environ`` (read by the settings only)."""
    parser = argparse.ArgumentParser(prog="carnet-server")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the missing key files in the data directory (and, in "
                   "development mode, the development authority and emergency keys)")
    sub.add_parser("migrate", help="apply the pending database migrations")
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return _migrate(database_url(env))
    try:
        if args.command == "init":
            return _init(env)
        settings = Settings.from_env(env)
    except SettingsError as exc:
        print(f"carnet-server: {exc}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    if settings.dev_keys_dir is not None:
        print(dev_warning(settings.dev_keys_dir), file=sys.stderr, flush=True)
    _serve(settings, args.host, args.port)
    return 0


def dev_warning(dev_dir: Path) -> str:
    """The one line the server prints on start when it runs with development keys."""
    return (f"carnet-server: development authority in {dev_dir}: not for production "
            "(CARNET_MODE=production needs CARNET_AUTHORITY_PUBLIC and CARNET_EMERGENCY_PUBLIC)")


def _init(env: Mapping[str, str] | None) -> int:
    server_mode(env)  # a bad CARNET_MODE or dev keys folder stops here, before any write
    dev_dir = dev_keys_dir(env)
    data_dir, names = key_files(env)
    created = provision(data_dir, names)
    for path in created:
        print(f"created {path} (mode {FILE_MODE:o})")
    if dev_dir is not None:
        legacy = {n for n in FOREIGN_SECRETS if (data_dir / n).is_file()}
        made = provision_dev_keys(dev_dir, legacy_data_dir=data_dir)
        for path in made:
            how = (f"moved {data_dir / path.name} to" if path.name in legacy
                   and not (data_dir / path.name).exists() else "created")
            print(f"{how} {path} (development only: not for production)")
        created += made
    if not created:
        print(f"nothing to create: the key files in {data_dir} are in place")
    return 0


def _migrate(url: str) -> int:
    try:
        output = asyncio.run(migrate(url))
    except MigrationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(output, end="")
    return 0


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn  # here: init and migrate need neither uvicorn nor litestar

    from web.server.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                access_log=False)  # access logs would carry ids and paths; keep them off


if __name__ == "__main__":
    sys.exit(main())
