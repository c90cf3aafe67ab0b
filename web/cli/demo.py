"""``carnet demo``: seed a running server with fictitious demo data (see
:mod:`web.client.demo`) and say what to try next."""

from __future__ import annotations

from web.cli._args import Commands, leaf, token_options
from web.cli._context import Ctx
from web.cli._sessions import authority_key, operator_token
from web.client import demo
from web.client.api import DEFAULT_SERVER


async def run_demo(ctx: Ctx) -> None:
    """Seed the server (see :mod:`web.client.demo`). JSON: the demo's summary, passphrases
    included (demo data)."""
    token = operator_token(ctx)
    server = ctx.server()
    with ctx.out.progress() as bar:
        task = bar.add_task("seeding the demo", total=demo.steps(ctx.args.patients))

        def step(text: str) -> None:
            bar.update(task, advance=1, description=text)
        result = await demo.seed(lambda: ctx.api(server), operator_token=token,
                                 authority=authority_key(ctx), home=ctx.home,
                                 patients=ctx.args.patients, force=ctx.args.force,
                                 on_step=step)
    ctx.out.emit(result.as_dict(), demo_guide(result, server))


def demo_guide(result: demo.DemoResult, server: str) -> str:
    """What to try once the demo is seeded (the first patient's and the pharmacist's
    commands)."""
    first, pro = result.patients[0], result.pharmacist
    srv = "" if server == DEFAULT_SERVER else f" --server {server}"
    pat = f"carnet --home {first.home} --passphrase-file {first.home / 'passphrase.txt'}"
    pha = f"carnet --home {pro.home} --passphrase-file {pro.home / 'passphrase.txt'}"
    return "\n".join([
        f"Demo ready on {server}: {len(result.patients)} patients and a pharmacist "
        f"(NIRs, homes, passphrases in {result.file}).",
        "Try this:",
        f"  {pat} patient list",
        f"  {pat} patient show ITEM_ID --history",
        f"  {pat} patient mask --section allergies",
        f"  {pat} patient export /tmp/carnet-demo.carnet",
        f"  {pha} pro whoami",
        f"  carnet{srv} operator professionals --status approved",
    ])


def register(cmds: Commands) -> None:
    p = leaf(cmds.top, "demo", run_demo, "seed a running server with fictitious demo data")
    p.add_argument("--patients", type=int, default=3, metavar="N")
    p.add_argument("--force", action="store_true", help="replace an earlier demo's files")
    token_options(p, suppress=False)
