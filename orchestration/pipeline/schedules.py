"""The nightly schedule: when it fires, in which time zone, and the as-of date T each run gets.

A nightly run on day D uses T = D - 1 (SPEC 4), where D is the day *in the schedule's time zone*
of the tick's scheduled execution time, not of the machine clock: a tick at 00:30 UTC on Nov 23 is
still Nov 22 in Toronto, so T is Nov 21, and a late or re-evaluated tick computes the same T.

How T reaches the run: through run config of the `settings` resource (RevwhSettings, bound fully
configured from the environment in `build_definitions`). Dagster makes the bound values the
*default of the resource's whole config*, not of each field: run config that names only `as_of`
would send every other field back to the class default (landing_dir "landing", ...). So the
RunRequest carries every field, the bound values with `as_of` = T (`settings_run_config`), and the
run's config in the UI shows exactly what it used. Nothing else changes: `revwh run` passes no
settings config and runs with its own fully configured resource; the UI launchpad shows the
bound values and may override them. T is also the run's tag `revwh/as_of`.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster import (
    DefaultScheduleStatus,
    JobDefinition,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from dagster._core.storage.tags import RUN_KEY_TAG, SCHEDULE_NAME_TAG

from orchestration.pipeline.crashed_runs import reap_crashed_runs
from orchestration.pipeline.instance import AS_OF_TAG, LAUNCHED_BY_TAG, WAREHOUSE_TAG
from orchestration.settings import RevwhSettings

SCHEDULE_NAME = "nightly"
TIME_ENV, TIMEZONE_ENV = "REVWH_SCHEDULE_TIME", "REVWH_SCHEDULE_TIMEZONE"
DEFAULT_TIME, DEFAULT_TIMEZONE = "06:00", "America/Toronto"
DAEMON_LOCK_WAIT_SECONDS = 1800.0
NightlyJob = JobDefinition | UnresolvedAssetJobDefinition  # define_asset_job(...) before Definitions resolves it
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class NightlyClock:
    """When the nightly run fires (local time of day in a time zone) and which T a moment means."""

    hour: int = 6
    minute: int = 0
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "NightlyClock":
        """REVWH_SCHEDULE_TIME (HH:MM, default 06:00), REVWH_SCHEDULE_TIMEZONE (IANA, default America/Toronto).

        A wrong value stops the code location from loading with a message naming the variable:
        a schedule silently firing at another hour is worse than one that visibly does not load."""
        text = environ.get(TIME_ENV, "").strip() or DEFAULT_TIME
        match = _HH_MM.match(text)
        if not match:
            raise ValueError(f"{TIME_ENV} must be HH:MM (24-hour), e.g. 06:00; got {text!r}")
        zone = environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{TIMEZONE_ENV} must be an IANA time zone, e.g. America/Toronto; got {zone!r}") from None
        return cls(int(match.group(1)), int(match.group(2)), zone)

    @property
    def cron(self) -> str:
        return f"{self.minute} {self.hour} * * *"

    def as_of_for(self, moment: datetime) -> date:
        """T for a run at `moment`: the day before `moment`'s date in the schedule's time zone.

        A naive `moment` is read as local time in that zone."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
        return local.date() - timedelta(days=1)


def settings_run_config(settings: RevwhSettings, **overrides: object) -> dict[str, object]:
    """Run config giving the `settings` resource all its fields: `settings`' values with `overrides`."""
    values = {name: getattr(settings, name) for name in type(settings).model_fields}
    return {"resources": {"settings": {"config": {**values, **overrides}}}}


def nightly_run_request(
    settings: RevwhSettings,
    as_of: date,
    *,
    run_key: str | None,
    launched_by: str,
    overrides: Mapping[str, object] | None = None,
) -> RunRequest:
    """A nightly-job run for T = `as_of`: T in the settings resource's run config and as a tag.

    The warehouse tag lets the instance's run queue (orchestration/pipeline/instance.py) start one run per
    warehouse at a time, so the schedule, the sensor and the UI never write it concurrently."""
    return RunRequest(
        run_key=run_key,
        # A run of the daemon waits for a `revwh run` writing the same warehouse (the run queue keeps
        # daemon runs apart already) rather than failing at once.
        run_config=settings_run_config(
            settings, **{"lock_wait_seconds": DAEMON_LOCK_WAIT_SECONDS, **(overrides or {})}, as_of=as_of.isoformat()
        ),
        tags={AS_OF_TAG: as_of.isoformat(), WAREHOUSE_TAG: str(settings.published()), LAUNCHED_BY_TAG: launched_by},
    )


def build_nightly_schedule(job: NightlyJob, clock: NightlyClock) -> ScheduleDefinition:
    """The nightly schedule of `job`, running by default (a fresh install needs no click)."""

    @schedule(
        name=SCHEDULE_NAME,
        job=job,
        cron_schedule=clock.cron,
        execution_timezone=clock.timezone,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Every day at {clock.hour:02d}:{clock.minute:02d} {clock.timezone}: pull, load, build,"
        " test and publish with T = yesterday in that zone.",
    )
    def nightly(context: ScheduleEvaluationContext, settings: RevwhSettings) -> RunRequest | SkipReason:
        # A run of this warehouse a crash left STARTED would keep tonight's run QUEUED for ever.
        for run_id in reap_crashed_runs(context.instance, settings.published()):
            context.log.warning(f"run {run_id} on this warehouse had crashed (its process is gone): marked failed")
        as_of = clock.as_of_for(context.scheduled_execution_time)
        run_key = f"nightly-{as_of.isoformat()}"
        # Dagster skips a run key it has seen *for the same tick time*; a night whose tick time moved
        # (REVWH_SCHEDULE_TIME changed during the day, a repeated wall-clock hour) would run twice.
        earlier = context.instance.get_runs(
            RunsFilter(tags={SCHEDULE_NAME_TAG: SCHEDULE_NAME, RUN_KEY_TAG: run_key}), limit=1
        )
        if earlier:
            return SkipReason(f"the night with T = {as_of} already ran (run {earlier[0].run_id})")
        return nightly_run_request(settings, as_of, run_key=run_key, launched_by="schedule")

    return nightly
