"""Run settings: one object from which the loader, dbt vars and the publish step take values.

The as-of date T and the rule settings travel to dbt as vars; nothing in a model reads the
clock. The Dagster UI and the CLI configure the same resource.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from ingest.landing import DEFAULT_SETTLE_SECONDS

SETTLE_ENV = "REVWH_SETTLE_SECONDS"
DEFAULT_TARGET = "duckdb"  # orchestration/engines/targets.py TARGETS[0]
SPARK_DIR_ENV = "REVWH_SPARK_DIR"  # read by dbt_project/profiles.yml

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
NIGHTLY_JOB = "revwh_nightly"  # the job that writes the warehouse (orchestration/pipeline/definitions.py)


def default_spark_dir(published: Path) -> Path:
    """Spark's warehouse and metastore for a landing store: REVWH_SPARK_DIR, else `<store>.spark/`
    beside it (a setting, so it lives here; the Spark engine imports it)."""
    env = os.environ.get(SPARK_DIR_ENV)
    return Path(env).expanduser().resolve() if env else published.with_name(published.name + ".spark")


def yesterday() -> date:
    """A nightly run on day D uses T = D - 1 (SPEC section 4)."""
    return date.today() - timedelta(days=1)


class RevwhSettings(ConfigurableResource):
    """Where the landing files are, which warehouse to build, and for which as-of date."""

    landing_dir: str = Field(default="landing", description="Landing directory (SPEC section 1).")
    warehouse_path: str = Field(
        default="warehouse/revwh.duckdb",
        description="Published DuckDB file; a run builds a copy and swaps it in on success.",
    )
    as_of: str = Field(default="", description="As-of date T (YYYY-MM-DD); empty = yesterday.")
    pacing_under_threshold: str = Field(default="0.90", description="pacing_ratio below = under")
    pacing_over_threshold: str = Field(default="1.10", description="pacing_ratio above = over")
    revenue_presentation: str = Field(default="gross", description="gross (principal) or net")
    aging_basis: str = Field(default="due_date", description="due_date or invoice_date")
    pull_ad_platforms: bool = Field(default=False, description="Pull the ad platforms' lookback window first")
    allow_shrink: bool = Field(
        default=False,
        description="Publish even when a source lost all its files or more than shrink_threshold of its rows",
    )
    shrink_threshold: str = Field(
        default="0.20", description="Share of a source's landed rows a run may lose before it is blocked"
    )
    memory_limit: str = Field(
        default="2GB",
        description="DuckDB memory limit of each process of a run (the loader and gate, dbt); beyond it DuckDB"
        " spills to a temporary folder beside the warehouse",
    )
    rebuild: bool = Field(
        default=False,
        description="Rebuild even when the published warehouse was built from these very inputs",
    )
    lock_wait_seconds: float = Field(
        default=0.0, description="How long a run waits for another run writing the same warehouse"
    )
    target: str = Field(
        default=DEFAULT_TARGET,
        description="Where dbt builds and publishes the marts: duckdb (the warehouse file), postgres (the server"
        " named by REVWH_PG_*) or spark (pyspark in local mode, in REVWH_SPARK_DIR); on postgres and spark the"
        " warehouse file is the landing store (docs/engines.md)",
    )

    arrears_products: str = Field(
        default="",
        description="Invoice run: product codes billed in arrears (drafted for the month before the invoice"
        " month), comma-separated; empty: every product billed in advance",
    )
    net_credits_in_invoice_run: bool = Field(
        default=False, description="Invoice run: net underspend credits due into the draft invoices"
    )
    invoice_terms_days: int = Field(default=30, description="Invoice run: due date = invoice date + this many days")

    settle_seconds: float | None = Field(
        default=None,
        description="A landing file modified less than this many seconds before the run is still being written:"
        f" not loaded until a later run (its previous version stays loaded). None: {SETTLE_ENV}, else"
        f" {DEFAULT_SETTLE_SECONDS}",
    )

    def settle(self) -> float:
        """Seconds a landing file must have been left alone to be loaded (see `settle_seconds`)."""
        if self.settle_seconds is not None:
            return float(self.settle_seconds)
        return float(os.environ.get(SETTLE_ENV) or DEFAULT_SETTLE_SECONDS)

    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else yesterday()

    def landing(self) -> Path:
        return Path(self.landing_dir).expanduser().resolve()

    def published(self) -> Path:
        return Path(self.warehouse_path).expanduser().resolve()

    def building(self) -> Path:
        """The working copy a run writes; analysts never see it half-built."""
        published = self.published()
        return published.with_name(published.name + ".building")

    def run_vars(self) -> dict[str, object]:
        """What a published warehouse is a function of besides files, code and closes: the dbt
        vars, and the target when it is not the default (so a switch of engine rebuilds)."""
        return self.dbt_vars() | ({"target": self.target} if self.target != DEFAULT_TARGET else {})

    def dbt_vars(self) -> dict[str, object]:
        return {
            "as_of": self.as_of_date().isoformat(),
            "pacing_under_threshold": str(Decimal(self.pacing_under_threshold)),
            "pacing_over_threshold": str(Decimal(self.pacing_over_threshold)),
            "revenue_presentation": self.revenue_presentation,
            "aging_basis": self.aging_basis,
            "arrears_products": ",".join(p.strip() for p in self.arrears_products.split(",") if p.strip()),
            "net_credits_in_invoice_run": self.net_credits_in_invoice_run,
            "invoice_terms_days": self.invoice_terms_days,
        }


def invoice_settings_from_env() -> dict[str, object]:
    """The invoice run's settings from the environment, for `revwh run` and the code location alike:
    REVWH_ARREARS_PRODUCTS (comma-separated product codes), REVWH_INVOICE_TERMS_DAYS,
    REVWH_NET_CREDITS_IN_INVOICE_RUN (1/true); unset: RevwhSettings' defaults."""
    found: dict[str, object] = {}
    if os.environ.get("REVWH_ARREARS_PRODUCTS", "").strip():
        found["arrears_products"] = os.environ["REVWH_ARREARS_PRODUCTS"]
    if os.environ.get("REVWH_INVOICE_TERMS_DAYS", "").strip():
        found["invoice_terms_days"] = int(os.environ["REVWH_INVOICE_TERMS_DAYS"])
    if os.environ.get("REVWH_NET_CREDITS_IN_INVOICE_RUN", "").strip():
        found["net_credits_in_invoice_run"] = os.environ["REVWH_NET_CREDITS_IN_INVOICE_RUN"].strip().lower() in (
            "1", "true", "yes")
    return found


def run_timestamp() -> datetime:
    """Load time recorded for the files of this run (bookkeeping only, never in a mart figure)."""
    return datetime.now().replace(microsecond=0)
