"""`revwh roles [--analyst LOGIN] [--pipeline LOGIN]`: the command line of the PostgreSQL roles.

The roles themselves, their grants and the help's description are orchestration/engines/postgres/
roles.py's; this module parses the arguments and turns a refusal (no server, no privilege, a login
that does not exist) into one line.
"""

from __future__ import annotations

import argparse
import sys

from orchestration.commands.errors import UserError
from orchestration.engines.postgres import roles as pg_roles


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    roles = sub.add_parser(
        "roles", help="create the PostgreSQL roles revwh_analyst (reads marts) and revwh_pipeline (writes)",
        description=pg_roles.__doc__.split("\n\n")[1] if pg_roles.__doc__ else None,
    )
    roles.add_argument("--analyst", action="append", default=[], metavar="LOGIN",
                       help="make an existing login role an analyst (repeatable)")
    roles.add_argument("--pipeline", action="append", default=[], metavar="LOGIN",
                       help="make an existing login role a pipeline writer (repeatable)")
    roles.set_defaults(func=_cmd_roles)


def _cmd_roles(args: argparse.Namespace) -> int:
    from orchestration.engines.postgres.connection import PgSettings, PostgresUnavailable, connect

    settings = PgSettings.from_env()
    try:
        pg = connect(settings)
    except PostgresUnavailable as exc:
        raise UserError(str(exc)) from None
    import psycopg2

    try:
        pg_roles.ensure_roles(pg, args.analyst, args.pipeline)
    except LookupError as exc:
        raise UserError(str(exc)) from None
    except psycopg2.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"revwh roles on {settings.where()}: {first}"
                        " (run it as a superuser or the database owner)") from None
    finally:
        pg.close()
    print(f"revwh roles: {pg_roles.ANALYST_ROLE} reads schema marts only; {pg_roles.PIPELINE_ROLE} creates the"
          f" warehouse's schemas ({settings.where()})", file=sys.stderr)
    for name in args.analyst:
        print(f"  {name}: analyst", file=sys.stderr)
    for name in args.pipeline:
        print(f"  {name}: pipeline", file=sys.stderr)
    return 0
