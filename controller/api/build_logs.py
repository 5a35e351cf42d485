"""A model version's build log as SSE: stored lines, then live output, then `EndOfStream`.

Hydrosphere's format: one `Log` event per line with `id` = the line's index from 0 (so
`Last-Event-ID: n` resumes at line n+1), and an `EndOfStream` event with empty data when the
build has ended, after which the stream closes (`hs` waits for that). The stream reads only the
catalog (status first, then the log), so it works from any process: a version read as finished
has its whole log stored, because the build appends its output before it records the result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from controller.api.sse import format_event
from controller.catalog.records import VersionStatus
from controller.catalog.service import Catalog

HEARTBEAT_EVERY_S = 15.0


def frames(catalog: Catalog, version_id: int, poll_seconds: float, first_line: int = 0) -> Iterator[str]:
    """`Log` events from line `first_line` on, until the version is Released or Failed."""
    offset, index, pending, quiet_since = 0, 0, "", time.monotonic()
    while True:
        finished = catalog.get_version(version_id).status != VersionStatus.ASSEMBLING
        log = catalog.build_log(version_id)
        pending, offset = pending + log[offset:], len(log)
        *lines, pending = pending.split("\n")
        if finished and pending:
            lines, pending = [*lines, pending], ""
        for line in lines:
            if index >= first_line:
                yield format_event(line.rstrip("\r"), event="Log", event_id=index)
                quiet_since = time.monotonic()
            index += 1
        if finished:
            yield format_event("", event="EndOfStream")
            return
        if time.monotonic() - quiet_since > HEARTBEAT_EVERY_S:
            quiet_since = time.monotonic()
            yield format_event("{}", event="Heartbeat")
        time.sleep(poll_seconds)
