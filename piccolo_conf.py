"""piccolo's configuration: the one place the database URL is read from the environment.

piccolo's CLI (``piccolo migrations ...``, run with ``PICCOLO_CONF=piccolo_conf`` from the
repository root) finds its engine here. ``CARNET_DATABASE_URL`` defaults to a SQLite file in
``var/``; ``postgresql://user@host:port/db`` selects PostgreSQL.
"""

from __future__ import annotations

import os

from piccolo.conf.apps import AppRegistry

from vault.storage.engine import DEFAULT_DATABASE_URL, engine_from_url

DB = engine_from_url(os.environ.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL))

APP_REGISTRY = AppRegistry(apps=["vault.storage.piccolo_app", "web.server.storage.piccolo_app"])
