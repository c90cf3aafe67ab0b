"""``python -m web.server`` (or ``carnet-server``): the server's one entry point.

``init`` creates the key files missing from ``CARNET_DATA_DIR`` (those no ``CARNET_*``
variable replaces; idempotent) and, in development mode, a stand-in directory authority and
emergency service key in ``CARNET_DEV_KEYS_DIR`` (default ``dev-keys``, outside the data dir);
``migrate`` applies the pending database migrations to ``CARNET_DATABASE_URL``; ``serve``
runs the HTTP server with settings from the environment (it writes no key file: run ``init``
first) and, when it uses development keys, says so in one line on stderr. A bad setting
(including ``CARNET_MODE=production`` without the public keys) exits with code 2 and one line
on stderr.

``serve --workers N`` runs N uvicorn worker processes on one socket. Every worker keeps its
state in the database (sessions, nonces, the history) except the rate limits' counts, which
N > 1 keeps in Redis (``CARNET_REDIS_URL``, default ``redis://127.0.0.1:6379/0``): with
N > 1 and no Redis answering, ``serve`` exits with code 2 rather than let each worker count
attempts on its own (N workers would each allow the limit). In development mode each answer
of a multi-worker server names its worker (``X-Carnet-Worker: <pid>``, for tests).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

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
DEFAULT_REDIS_URL: Final = "redis://127.0.0.1:6379/0"
WORKER_HEADER: Final = b"x-carnet-worker"
MAX_WORKERS: Final = 64


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
    serve.add_argument("--workers", type=_worker_count, default=1, metavar="N",
                       help="worker processes (default 1); N > 1 shares the rate limits "
                       f"through Redis (CARNET_REDIS_URL, default {DEFAULT_REDIS_URL})")
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
    if args.workers == 1:
        _serve(settings, args.host, args.port)
        return 0
    redis_url = settings.redis_url or DEFAULT_REDIS_URL
    if problem := redis_problem(redis_url):
        print(f"carnet-server: --workers {args.workers} needs Redis for the rate limits the "
              f"workers share, and {redacted(redis_url)} does not answer ({problem}); start "
              "Redis or set CARNET_REDIS_URL (or serve with one worker)", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    print(f"carnet-server: {args.workers} workers, rate limits in Redis at "
          f"{redacted(redis_url)}", file=sys.stderr, flush=True)
    # The workers are new processes: they read the same settings from the environment.
    os.environ.update(env or {})
    os.environ["CARNET_REDIS_URL"] = redis_url
    _serve_workers(args.host, args.port, args.workers)
    return 0


def _worker_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"a number of workers from 1 to {MAX_WORKERS}")
    return n


def redis_problem(url: str, timeout: float = 2.0) -> str | None:
    """None when Redis at ``url`` answers PING within ``timeout`` seconds, else why not
    (the error's type and message; never the URL's password)."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        return f"not a Redis URL: {exc}"
    try:
        client.ping()
    except (RedisError, OSError) as exc:  # their messages name the host, not the password
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def redacted(url: str) -> str:
    """``url`` without its password, to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    where = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=where))


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


def _serve_workers(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run("web.server.__main__:worker_app",
                factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=False)


ASGI = Callable[..., Awaitable[None]]  # an ASGI app: (scope, receive, send)


def worker_app() -> ASGI:
    """One worker's app (uvicorn calls this in each worker process): the settings from the
    environment, and never a worker without Redis for its rate limits."""
    from web.server.app import create_app

    settings = Settings.from_env()
    if not settings.redis_url:
        raise SystemExit("carnet-server: a worker needs CARNET_REDIS_URL (use serve --workers)")
    app: ASGI = create_app(settings)
    return with_worker_header(app) if settings.mode == "development" else app


def with_worker_header(app: ASGI) -> ASGI:
    """``app`` whose every HTTP answer names this process (``X-Carnet-Worker: <pid>``), to
    show which worker answered; development mode only."""
    pid = str(os.getpid()).encode("ascii")

    async def named(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                    send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_named(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message,
                           "headers": [*message.get("headers", ()), (WORKER_HEADER, pid)]}
            await send(message)

        await app(scope, receive, send_named)

    return named


if __name__ == "__main__":
    sys.exit(main())
