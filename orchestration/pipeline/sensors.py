"""The file-drop sensor: a file added, changed or removed in the landing directory starts one run.

Every ~60 s it hashes the landing directory (recursively, `ingest.landing.file_hash`, the hash the
loader uses) and compares it with its cursor. One drop starts one run; an unchanged directory
starts none. The run gets T = yesterday in the schedule's time zone and does not pull the ad
platforms: a drop run loads what was dropped, and a pull would write new files into the landing
directory and so trigger the sensor again, for ever.

The cursor is small JSON: a digest of the sorted (relative path, hash) pairs, the file count and a
sequence number. Not the whole path -> hash map: Dagster stores the cursor with every tick, and a
landing directory with a year of daily pulls holds thousands of files. The sequence number makes
each change's run key unique (a directory put back as it was yesterday is a new change) while a
retried tick reuses it, so Dagster never launches one change twice. Unchanged files are not
re-hashed: the hash is cached per (path, size, mtime) in the process that evaluates the sensor.

It waits (SkipReason, cursor unchanged, so the change is seen again next tick) while:
- the landing directory does not exist or holds no file;
- a file was modified in the last 30 s (a copy in progress would be rejected as damaged);
- a nightly run for the same warehouse is queued or running (a scheduled pull writes into the
  landing directory mid-run; once that run has published, the files are no longer news).
  Every tick first marks failed the runs of the warehouse a crash left unfinished
  (orchestration/pipeline/crashed_runs.py), so a run killed mid-way does not make it wait for ever.
A change the published warehouse already reflects (its `raw._files` lists exactly these files with
these hashes, e.g. the files the nightly pull wrote) advances the cursor without a run.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from ingest.landing import DEFAULT_SETTLE_SECONDS, file_hash, landing_entries, link_reason
from orchestration.pipeline.crashed_runs import reap_crashed_runs
from orchestration.pipeline.instance import WAREHOUSE_TAG
from orchestration.pipeline.schedules import NightlyClock, NightlyJob, nightly_run_request
from orchestration.settings import RevwhSettings

SENSOR_NAME = "landing_file_drop"
MINIMUM_INTERVAL_SECONDS = 60
SETTLE_SECONDS = DEFAULT_SETTLE_SECONDS  # a run started anyway does not load such a file (ingest/landing.py)
WAITING_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]

# (absolute path, size, mtime_ns) -> SHA-256; lives as long as the code server process.
_HASHES: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class LandingState:
    """The files of the landing directory (relative path -> content hash) and the newest mtime."""

    files: dict[str, str]
    newest_mtime: float

    def digest(self) -> str:
        h = hashlib.sha256()
        for rel, digest in sorted(self.files.items()):
            h.update(f"{rel}\0{digest}\n".encode())
        return h.hexdigest()


def scan_landing(landing: Path) -> LandingState:
    """Hash every file under `landing` (as the loader discovers them), reusing unchanged hashes.
    A link the loader does not follow is listed by its path alone, as the loader records it."""
    files: dict[str, str] = {}
    newest, seen = 0.0, set()
    root = landing.resolve()
    for path in landing_entries(landing):
        try:
            if path.is_symlink() and link_reason(path, root) is not None:
                files[path.relative_to(landing).as_posix()] = ""
                continue
            stat = path.stat()
            key = (str(path), stat.st_size, stat.st_mtime_ns)
            if key not in _HASHES:
                _HASHES[key] = file_hash(path)
        except FileNotFoundError:  # renamed or removed while we looked (a pull's .part file): still moving
            newest = time.time()
            continue
        seen.add(key)
        files[path.relative_to(landing).as_posix()] = _HASHES[key]
        newest = max(newest, stat.st_mtime)
    for stale in [k for k in _HASHES if k[0].startswith(str(landing)) and k not in seen]:
        del _HASHES[stale]
    return LandingState(files, newest)


@dataclass(frozen=True)
class DropCursor:
    digest: str = ""
    files: int = 0
    seq: int = 0

    def to_json(self) -> str:
        return json.dumps({"digest": self.digest, "files": self.files, "seq": self.seq}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "DropCursor":
        """An empty or unreadable cursor is the start: the first look at a directory is a change."""
        try:
            data = json.loads(text or "{}")
            return cls(str(data.get("digest", "")), int(data.get("files", 0)), int(data.get("seq", 0)))
        except (ValueError, TypeError, AttributeError):
            return cls()


def published_files(warehouse: Path) -> dict[str, str] | None:
    """source_file -> content_hash of the published warehouse's `raw._files`; None when unknown."""
    if not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return dict(con.execute("select source_file, content_hash from raw._files").fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()


def build_file_drop_sensor(
    job: NightlyJob, clock: NightlyClock, settle_seconds: float = SETTLE_SECONDS
) -> SensorDefinition:
    """The landing-directory sensor of `job` (the nightly job), running by default."""

    @sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts one nightly-job run (no ad-platform pull) when files in the landing directory"
        f" are added, changed or removed; T = yesterday in {clock.timezone}.",
    )
    def landing_file_drop(context: SensorEvaluationContext, settings: RevwhSettings) -> SensorResult | SkipReason:
        # A run of this warehouse a crash left STARTED would block it (and the run queue) for ever.
        for run_id in reap_crashed_runs(context.instance, settings.published()):
            context.log.warning(f"run {run_id} on this warehouse had crashed (its process is gone): marked failed")
        landing = settings.landing()
        if not landing.is_dir():
            return SkipReason(f"landing directory {landing} does not exist")
        state = scan_landing(landing)
        if not state.files:
            return SkipReason(f"landing directory {landing} holds no files")
        if time.time() - state.newest_mtime < settle_seconds:
            return SkipReason(f"a file in {landing} changed less than {settle_seconds:.0f} s ago; waiting for the"
                              " drop to finish")
        previous = DropCursor.from_json(context.cursor)
        digest = state.digest()
        if digest == previous.digest:
            return SkipReason(f"no change in {landing} ({len(state.files)} files)")
        busy = context.instance.get_runs(
            RunsFilter(job_name=job.name, statuses=WAITING_STATUSES, tags={WAREHOUSE_TAG: str(settings.published())}),
            limit=1,
        )
        if busy:
            return SkipReason(f"run {busy[0].run_id} on this warehouse is not finished; looking again after it")
        if published_files(settings.published()) == state.files:
            return SensorResult(
                skip_reason=f"the published warehouse already reflects the {len(state.files)} files of {landing}",
                cursor=DropCursor(digest, len(state.files), previous.seq).to_json(),
            )
        seq = previous.seq + 1
        as_of = clock.as_of_for(datetime.now(UTC))
        request = nightly_run_request(
            settings, as_of, run_key=f"landing-{seq}-{digest[:12]}", launched_by="sensor",
            overrides={"pull_ad_platforms": False},
        )
        context.log.info(f"landing changed ({len(state.files)} files, was {previous.files}): run with T = {as_of}")
        return SensorResult(run_requests=[request], cursor=DropCursor(digest, len(state.files), seq).to_json())

    return landing_file_drop
