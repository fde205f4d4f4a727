"""The PostgreSQL server of `--target postgres`: where it is, how to log in, one connection.

Settings come from the environment (REVWH_PG_HOST, _PORT, _USER, _DATABASE, _PASSWORD) or, for the
password only, from the `[postgres]` section of the REVWH_CREDENTIALS_FILE TOML file, the same
file the ad-platform connectors read. dbt's profile (dbt_project/profiles.yml) reads the very same
variables, so the loader, dbt, the publish step and `revwh roles` reach one server. The password is
never logged and never part of an error message (psycopg2's own messages name host and user only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ingest.platforms.common import MissingCredential, credential


class PostgresUnavailable(Exception):
    """The server cannot be reached or refuses the login: one line, no secret in it."""


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int
    user: str
    database: str
    password: str

    @classmethod
    def from_env(cls) -> PgSettings:
        try:
            password = credential("REVWH_PG_PASSWORD", "postgres")
        except MissingCredential:
            password = ""  # trust authentication or ~/.pgpass (libpq reads it)
        return cls(
            host=os.environ.get("REVWH_PG_HOST", "127.0.0.1"),
            port=int(os.environ.get("REVWH_PG_PORT", "5432")),
            user=os.environ.get("REVWH_PG_USER", "revwh"),
            database=os.environ.get("REVWH_PG_DATABASE", "revwh"),
            password=password,
        )

    def where(self) -> str:
        """host:port/database as user: what an error line may say."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's `postgres` profile reads, for the dbt child process."""
        return {"REVWH_PG_HOST": self.host, "REVWH_PG_PORT": str(self.port), "REVWH_PG_USER": self.user,
                "REVWH_PG_DATABASE": self.database, "REVWH_PG_PASSWORD": self.password}


def connect(settings: PgSettings | None = None) -> Any:
    """A psycopg2 connection (autocommit off: callers commit what must be one transaction)."""
    import psycopg2

    pg = settings or PgSettings.from_env()
    try:
        return psycopg2.connect(host=pg.host, port=pg.port, user=pg.user, dbname=pg.database,
                                password=pg.password or None, connect_timeout=10,
                                application_name="revwh")
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        if pg.password:
            first = first.replace(pg.password, "***")
        raise PostgresUnavailable(f"cannot reach PostgreSQL at {pg.where()}: {first} "
                                  "(set REVWH_PG_HOST, REVWH_PG_PORT, REVWH_PG_USER, REVWH_PG_DATABASE"
                                  " and REVWH_PG_PASSWORD)") from None
