"""``carnet patient identity``: the name and birth date the patient enters in their own
dossier (encrypted, one copy per section: ``web.client.identity``), which every professional,
emergency and contact view shows as whose dossier it is."""

from __future__ import annotations

import datetime as dt

from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx, check_date
from web.cli._sessions import patient_session
from web.client.identity import Identity, identity_of, set_identity


async def patient_identity(ctx: Ctx) -> None:
    """With --name and --birth-date: write them in the dossier (every section); without:
    show what the dossier says. JSON: {name, birth_date} (null values if not set)."""
    a = ctx.args
    if (a.name is None) != (a.birth_date is None):
        raise CliError("give both --name and --birth-date (or neither, to see them)")
    who: Identity | None
    async with patient_session(ctx) as s:
        if a.name is not None:
            who = await set_identity(s.dossier, a.name, check_date(a.birth_date, "--birth-date"),
                                     today=dt.date.today().isoformat())
        else:
            who = identity_of(await s.dossier.list())
    if who is None:
        ctx.out.emit({"name": None, "birth_date": None},
                     "no name in your dossier yet: professionals and emergency staff are told "
                     "so; set it with patient identity --name NAME --birth-date YYYY-MM-DD")
        return
    ctx.out.emit({"name": who.name, "birth_date": who.birth_date},
                 f"{who.name}, born {who.birth_date} (shown to whoever you let in, and on "
                 "emergency access, as whose dossier it is)")


def register(cmds: Commands) -> None:
    p = leaf(cmds.patient, "identity", patient_identity, "your name and birth date as your "
             "dossier shows them to professionals and emergency staff", [cmds.nir])
    p.add_argument("--name", help="your name as you want it shown (e.g. Inès Petit)")
    p.add_argument("--birth-date", metavar="YYYY-MM-DD")
