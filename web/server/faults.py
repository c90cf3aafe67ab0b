"""A deterministic crash hook for tests (issue 9): the server SIGKILLs itself at a named
point of a named request, so a test can crash it between any two requests of a client
operation and show what the restarted server and the next session make of it.

Armed only when BOTH hold: ``CARNET_TEST_FAULTS`` is set (``Settings.test_faults``) and the
server runs in development mode. In production the variable is not read at all
(``Settings.from_env``) and :func:`middleware` installs nothing even if a ``Settings`` built by
hand carries rules.

Syntax: one or more rules separated by ``;``::

    rule    = action ":" method " " path-glob [ "#" n ]
    method  = an HTTP method in capitals, several joined by "|", or "*" for any
    action  = "kill-before"   SIGKILL when the n-th matching request arrives, before it is
                              handled (nothing of it ran)
            | "kill-after"    SIGKILL once the n-th matching request was handled (its
                              transactions committed) and before its response is sent
    glob    = a path where "*" stands for one segment and "**" for any rest
    n       = which matching request, counted from the process start (default 1)

For example ``kill-after:POST /dossiers/*/grants/*/revoke`` or
``kill-before:PUT /dossiers/*/keyring#2; kill-after:POST /consent/items``. Counting is per
process: the restarted server counts afresh (and is normally started without the variable).
"""

from __future__ import annotations

import logging
import os
import re
import signal
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from web.server.settings import Settings, SettingsError

__all__ = ["FaultError", "FaultMiddleware", "Rule", "middleware", "parse"]

Action = Literal["kill-before", "kill-after"]
ACTIONS: Final[tuple[Action, ...]] = ("kill-before", "kill-after")
_RULE: Final = re.compile(r"^(?P<action>[a-z-]+):(?P<method>[A-Z]+(?:\|[A-Z]+)*|\*) "
                          r"(?P<path>/[^\s#]*)(?:#(?P<n>[1-9][0-9]{0,5}))?$")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class FaultError(SettingsError):
    """``CARNET_TEST_FAULTS`` does not parse; the message names the rule."""


def _glob(path: str) -> re.Pattern[str]:
    parts = []
    for segment in path.split("/"):
        if segment == "**":
            parts.append(".*")
        else:
            parts.append("[^/]+".join(re.escape(p) for p in segment.split("*")))
    return re.compile("/".join(parts) + "$")


@dataclass(slots=True)
class Rule:
    """One armed fault: ``action`` on the ``n``-th request matching ``method`` and ``path``."""

    action: Action
    method: str
    path: str
    n: int = 1
    seen: int = field(default=0, compare=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._pattern = _glob(self.path)

    def hit(self, method: str, path: str) -> bool:
        """Count this request if it matches; True when it is the one to crash on."""
        if self.method != "*" and method not in self.method.split("|"):
            return False
        if not self._pattern.match(path):
            return False
        self.seen += 1
        return self.seen == self.n


def parse(text: str) -> list[Rule]:
    """The rules of ``text`` (empty for an empty or blank value); FaultError if malformed."""
    rules = []
    for raw in text.split(";"):
        part = raw.strip()
        if not part:
            continue
        found = _RULE.match(part)
        if found is None or found["action"] not in ACTIONS:
            raise FaultError(f"CARNET_TEST_FAULTS: {part!r} is not "
                             "'kill-before|kill-after:METHOD /path[#n]'")
        action: Action = "kill-before" if found["action"] == "kill-before" else "kill-after"
        rules.append(Rule(action, found["method"], found["path"], int(found["n"] or 1)))
    return rules


def _sigkill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class FaultMiddleware:
    """ASGI middleware that runs :data:`Rule`s; ``kill`` is the crash (SIGKILL of this
    process; tests of the middleware itself pass their own)."""

    def __init__(self, app: App, rules: list[Rule],
                 kill: Callable[[], None] | None = None) -> None:
        self._app = app
        self._rules = rules
        self._given_kill = kill

    def _kill(self) -> None:
        (self._given_kill or _sigkill)()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self._app(scope, receive, send)
            return
        method, path = str(scope.get("method", "")), str(scope.get("path", ""))
        hits = [r.action for r in self._rules if r.hit(method, path)]
        if "kill-before" in hits:
            self._kill()
            return
        if "kill-after" not in hits:
            await self._app(scope, receive, send)
            return

        killed = False

        async def send_or_die(message: Message) -> None:
            # The handler has returned (its transactions committed) when the response
            # starts: crash before a byte of it leaves.
            nonlocal killed
            if message.get("type") == "http.response.start":
                killed = True
                self._kill()
            if not killed:
                await send(message)

        await self._app(scope, receive, send_or_die)


def middleware(settings: Settings) -> list[Callable[..., Any]]:
    """The fault middleware for ``settings`` (a list for ``Litestar(middleware=...)``): empty
    unless the server is in development mode and ``settings.test_faults`` has rules."""
    if settings.mode != "development" or not settings.test_faults.strip():
        return []
    rules = parse(settings.test_faults)
    logging.getLogger("carnet.faults").warning(
        "CARNET_TEST_FAULTS armed (%d rule(s)): this server will kill itself", len(rules))

    def install(app: App) -> App:
        return FaultMiddleware(app, rules)
    return [install]
