"""piccolo's configuration, for piccolo's own CLI only.

piccolo's CLI (``piccolo migrations ...``, run with ``PICCOLO_CONF=piccolo_conf`` from the
repository root, as ``vault.storage.migrate`` does in a child process) finds its engine here,
so this file reads ``CARNET_DATABASE_URL`` itself (default ``DEFAULT_DATABASE_URL``, a SQLite
file in ``var/``; ``postgresql://user@host:port/db`` selects PostgreSQL). The server reads it
through ``web.server.settings``; nothing imports this module.
"""

from __future__ import annotations

import os

from piccolo.conf.apps import AppRegistry

from vault.storage.engine import DEFAULT_DATABASE_URL, engine_from_url

DB = engine_from_url(os.environ.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL))

APP_REGISTRY = AppRegistry(apps=["vault.storage.piccolo_app", "web.server.storage.piccolo_app"])
