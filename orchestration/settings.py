"""Run settings: one object from which the loader, dbt vars and the publish step take values.

The as-of date T and the rule settings travel to dbt as vars; nothing in a model reads the
clock. The Dagster UI and the CLI configure the same resource.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


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

    def dbt_vars(self) -> dict[str, object]:
        return {
            "as_of": self.as_of_date().isoformat(),
            "pacing_under_threshold": str(Decimal(self.pacing_under_threshold)),
            "pacing_over_threshold": str(Decimal(self.pacing_over_threshold)),
            "revenue_presentation": self.revenue_presentation,
            "aging_basis": self.aging_basis,
        }


def run_timestamp() -> datetime:
    """Load time recorded for the files of this run (bookkeeping only, never in a mart figure)."""
    return datetime.now().replace(microsecond=0)
