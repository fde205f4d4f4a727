"""`revwh roles`: the two PostgreSQL roles of a shared warehouse, and who holds them.

- `revwh_analyst` may read the published marts and nothing else: USAGE on schema `marts` and
  SELECT on its tables (granted again by every publish, whose schema swap makes new tables).
  No access to raw, staging, intermediate or closed; no INSERT, UPDATE, DELETE, CREATE or DROP.
- `revwh_pipeline` writes: CREATE on the database (the pipeline makes and owns the schemas raw,
  closed, main, staging, intermediate and marts). The login that runs `revwh run --target
  postgres` (REVWH_PG_USER) must be a member of it, or a superuser.

Both are group roles without a password (NOLOGIN); people and services log in as their own roles,
which `--analyst NAME` and `--pipeline NAME` make members (the login roles must exist: creating
logins and their passwords is the database administrator's, outside revwh). Run it as a
superuser or the database's owner, with the same REVWH_PG_* settings as the pipeline.
The command is idempotent: run it again after adding people.

The command line is orchestration/commands/roles.py (which shows the paragraph above as its help);
this module is the SQL.
"""

from __future__ import annotations

from ingest.pg_raw_sync import quote_ident

ANALYST_ROLE = "revwh_analyst"
PIPELINE_ROLE = "revwh_pipeline"
PIPELINE_SCHEMAS = ("raw", "closed", "main", "staging", "intermediate")


def ensure_roles(pg: object, analysts: list[str], pipelines: list[str]) -> list[str]:
    """Create the roles, grant them, add members; the statements run (for the command's output)."""
    done: list[str] = []
    with pg.cursor() as cur:
        def run(sql: str, params: tuple = ()) -> None:
            cur.execute(sql, params)
            done.append(sql)

        cur.execute("select current_database()")
        (database,) = cur.fetchone()
        for role in (ANALYST_ROLE, PIPELINE_ROLE):
            cur.execute("select 1 from pg_roles where rolname = %s", (role,))
            if cur.fetchone() is None:
                run(f"create role {role} nologin")
        run(f"grant create, connect, temporary on database {quote_ident(database)} to {PIPELINE_ROLE}")
        run(f"grant connect on database {quote_ident(database)} to {ANALYST_ROLE}")
        cur.execute("select nspname from pg_namespace where nspname = any(%s)", (list(PIPELINE_SCHEMAS),))
        for (schema,) in cur.fetchall():  # the analyst reads none of the pipeline's own schemas
            run(f"revoke all on schema {quote_ident(schema)} from {ANALYST_ROLE}")
            run(f"revoke all on all tables in schema {quote_ident(schema)} from {ANALYST_ROLE}")
        cur.execute("select 1 from pg_namespace where nspname = 'marts'")
        if cur.fetchone() is not None:
            run(f"grant usage on schema marts to {ANALYST_ROLE}")
            run(f"grant select on all tables in schema marts to {ANALYST_ROLE}")
        for name, role in [(n, ANALYST_ROLE) for n in analysts] + [(n, PIPELINE_ROLE) for n in pipelines]:
            cur.execute("select 1 from pg_roles where rolname = %s", (name,))
            if cur.fetchone() is None:
                raise LookupError(f"no PostgreSQL role {name!r}: create the login first"
                                  f" (create role {name} login password '...'), then run revwh roles again")
            run(f"grant {role} to {quote_ident(name)}")
    pg.commit()
    return done
