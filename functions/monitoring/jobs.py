"""Training-data jobs: profile the CSV, then train, upload, release and attach the outlier detector.

`dev.hydro.trainingdata.uploaded` only records a PENDING job (in the event's transaction), so the
event is answered at once and never lost; a background thread runs the jobs. Each step's result
is saved as it completes, so a job taken over after a crash resumes where it stopped (a stored
profile is not redone, an uploaded detector is not uploaded again). A job whose lease expired
(its process died) is taken over. `JobFailed` ends a job FAILED with its reason; `Unavailable`
and unexpected errors retry with back-off, up to `job_max_attempts`.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update

from functions.host.background import BackgroundLoop
from functions.host.store import Store, utcnow
from functions.monitoring import detector_job, profile_store
from functions.monitoring.errors import BadRequest, JobFailed, NotFound
from functions.monitoring.manager import ManagerApi
from functions.monitoring.profiles import profile_csv
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.tables import JobRow
from functions.monitoring.training_source import local_file
from functions.monitoring.versions import VersionDirectory

logger = logging.getLogger(__name__)
PENDING, STARTED, SUCCESS, FAILED = "PENDING", "STARTED", "SUCCESS", "FAILED"
PROCESSING, PROFILED, PROFILE_FAILED = "Processing", "Success", "Failure"


def enqueue(session: Any, version_id: int, data_id: int | None, uri: str, detector: bool) -> None:
    now = utcnow()
    session.add(JobRow(model_version_id=version_id, training_data_id=data_id, uri=uri, status=PENDING,
                       stage="profile", profile_status=PROCESSING, detector=detector, attempts=0, run_after=now,
                       created_at=now, updated_at=now))


class JobRunner(BackgroundLoop):
    thread_name = "monitoring-jobs"

    def __init__(self, store: Store, settings: MonitoringSettings, manager: ManagerApi,
                 directory: VersionDirectory, scratch: Path, on_change: Callable[[int], None]) -> None:
        self.store = store
        self.settings = settings
        self.manager = manager
        self.directory = directory
        self.scratch = scratch
        self._on_change = on_change
        super().__init__()

    def run_pending(self) -> int:
        """Run every job that is due now, on this thread; returns how many ran."""
        count = 0
        while (job_id := self._claim()) is not None:
            self._run(job_id)
            count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:
                logger.exception("training-data jobs: the runner failed; it carries on")
            self._wake.wait(self.settings.job_poll_s)
            self._wake.clear()

    def _claim(self) -> int | None:
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.job_lease_s)
        due = or_(and_(JobRow.status == PENDING, JobRow.run_after <= now),
                  and_(JobRow.status == STARTED, JobRow.lease_until < now))
        with self.store.transaction() as session:
            if session.scalar(select(JobRow.id).where(due).limit(1)) is None:
                return None  # the idle poll only reads: no write lock taken
            session.execute(update(JobRow).where(JobRow.status == STARTED, JobRow.lease_until < now)
                            .values(status=PENDING))  # their process died: take them over
            job_id = session.scalar(select(JobRow.id).where(JobRow.status == PENDING, JobRow.run_after <= now)
                                    .order_by(JobRow.id).limit(1))
            if job_id is None:
                return None
            claimed = session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == PENDING)
                                      .values(status=STARTED, lease_until=lease, attempts=JobRow.attempts + 1,
                                              updated_at=now))
            return job_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]

    def _run(self, job_id: int) -> None:
        job = self._load(job_id)
        try:
            self._steps(job)
            self._update(job_id, status=SUCCESS, stage="done", reason=None, lease_until=None)
        except (JobFailed, NotFound, BadRequest) as error:
            self._fail(job, error.message)
        except Exception as error:
            self._retry(job, f"{type(error).__name__}: {error}")

    def _steps(self, job: JobRow) -> None:
        if job.profile_status == PROFILED:  # resumed: the success may not have reached the catalog
            self._report(job, PROFILED, job.profile_message or "", job.rows)
        needs_file = job.profile_status != PROFILED or (job.detector and job.metric_version_id is None)
        if needs_file:
            with local_file(job.uri, self.settings.s3, self.scratch) as path:
                if job.profile_status != PROFILED:
                    self._profile(job, path)
                if job.detector and job.metric_version_id is None:
                    self._detect(job, path)
        if job.detector:
            self._attach(job)

    def _profile(self, job: JobRow, path: Path) -> None:
        info = self.directory.get(job.model_version_id)
        self._report(job, PROCESSING, "profiling the training data")
        try:
            with path.open(encoding="utf-8-sig", newline="") as lines:
                result = profile_csv(lines, info.contract)
        except (UnicodeDecodeError, csv.Error) as error:
            raise JobFailed(f"training data {job.uri}: not a readable UTF-8 CSV file: {error}") from None
        with self.store.transaction() as session:
            profile_store.replace_training(session, job.model_version_id, result.profiles)
        skipped = "; ".join(f"{name}: {why}" for name, why in result.skipped.items())
        message = f"{len(result.profiles)} fields profiled" + (f"; not profiled: {skipped}" if skipped else "")
        job.profile_status, job.rows, job.profile_message = PROFILED, result.rows, message
        self._update(job.id, profile_status=PROFILED, rows=result.rows, profile_message=message,
                     stage="train" if job.detector else "done")
        self._on_change(job.model_version_id)
        self._report(job, PROFILED, message, result.rows)

    def _detect(self, job: JobRow, path: Path) -> None:
        info = self.directory.get(job.model_version_id)
        detector = detector_job.train(path, info)
        self._update(job.id, stage="upload", report=detector.report.to_dict())
        uploaded = detector_job.upload(self.manager, detector, info)
        job.metric_version_id, job.report = uploaded.id, detector.report.to_dict()
        self._update(job.id, stage="release", metric_version_id=uploaded.id)

    def _attach(self, job: JobRow) -> None:
        assert job.metric_version_id is not None and job.report is not None
        detector_job.await_release(self.manager, job.metric_version_id, self.settings, lambda: self._renew(job.id))
        self._update(job.id, stage="metric-spec")
        info = self.directory.get(job.model_version_id)
        spec_id = detector_job.attach(self.manager, info, job.metric_version_id, job.report)
        self._update(job.id, metric_spec_id=spec_id)
        self._on_change(job.model_version_id)

    def _fail(self, job: JobRow, reason: str) -> None:
        logger.warning("model version %d: training-data job %d failed: %s", job.model_version_id, job.id, reason)
        self._update(job.id, status=FAILED, reason=reason, lease_until=None)
        if job.profile_status != PROFILED:
            self._update(job.id, profile_status=PROFILE_FAILED)
            self._report(job, PROFILE_FAILED, reason, quiet=True)

    def _retry(self, job: JobRow, reason: str) -> None:
        if job.attempts >= self.settings.job_max_attempts:
            self._fail(job, f"gave up after {job.attempts} attempts: {reason}")
            return
        delay = min(300.0, 2.0 ** job.attempts)
        logger.warning("model version %d: training-data job %d will retry in %.0f s: %s", job.model_version_id,
                       job.id, delay, reason)
        self._update(job.id, status=PENDING, reason=reason, lease_until=None,
                     run_after=utcnow() + timedelta(seconds=delay))

    def _report(self, job: JobRow, status: str, message: str, rows: int | None = None, *,
                quiet: bool = False) -> None:
        if job.training_data_id is None:
            return
        try:
            self.manager.report_profile(job.training_data_id, status, message[:2000], rows)
        except Exception as error:
            if not quiet:
                raise
            logger.warning("training data %d: profile status not reported: %s", job.training_data_id, error)

    def _load(self, job_id: int) -> JobRow:
        with self.store.transaction() as session:
            return session.get_one(JobRow, job_id)

    def _renew(self, job_id: int) -> None:
        self._update(job_id, lease_until=utcnow() + timedelta(seconds=self.settings.job_lease_s))

    def _update(self, job_id: int, **values: Any) -> None:
        with self.store.transaction() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id).values(updated_at=utcnow(), **values))
