"""Warm pools: processes that already imported what their workers need and fork one per start
instead of starting a Python from scratch (Android's zygote, locally). Model workers get faster
cold starts (`runtimes.zygote`); the always-running functions share their imported modules
copy-on-write (`functions.host.zygote`), one copy instead of one per function.

A `ProcessCommand` with a `warm_pool` argv (`python -m runtimes.zygote`, under the same Python,
working directory and command variables as the worker) can be forked from a pool started with
that argv. One pool per distinct (argv, cwd, command environment), at most `limit` of them,
started when a plan needs them, and kept beyond the limit while processes it forked run (they
die with it). The protocol is in `protos/forkserver.py` (shared by `runtimes.zygote` and
`functions.host.zygote`). A worker is forked only when every variable that acts at interpreter
start or import (`PYTHON*`, `LD_*`, BLAS and OpenMP threads, `GRPC_*`) is the pool's own; a
pool still importing is waited for (up to `READY_WAIT_SECONDS`); whenever a pool is missing,
broken or slower than that, the worker is spawned as before.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.local.engine.children import ChildProcesses
from controller.local.engine.environment import ProcessCommand
from controller.local.engine.forked import ForkedProcess
from controller.local.engine.logs import ServiceLogWriter

logger = logging.getLogger(__name__)

FD_VARIABLE = "HYDRO_ZYGOTE_FD"
IMPORT_TIME_PREFIXES = ("PYTHON", "LD_", "OMP_", "MKL_", "OPENBLAS_", "GOTO", "KMP_", "NUMEXPR_", "VECLIB_",
                        "GRPC_", "MALLOC")
FORK_TIMEOUT_SECONDS = 5.0
READY_WAIT_SECONDS = 30.0
"""How long a fork waits for a pool still importing: no longer than a spawned process would spend
on the same imports, and the functions `hydro up` starts with the pool would otherwise all be
spawned (each with its own copy of every module)."""
RESTART_BACKOFF_SECONDS = (2.0, 60.0)
PACKET_BYTES = 256 * 1024


@dataclass(frozen=True)
class PoolKey:
    argv: tuple[str, ...]
    cwd: str | None
    env: tuple[tuple[str, str], ...]


class WarmPoolError(RuntimeError):
    """A fork the pool could not do (the engine spawns the worker instead)."""


class Zygote:
    """One warm pool process and the engine's end of its socket."""

    def __init__(self, key: PoolKey, children: ChildProcesses, log: ServiceLogWriter) -> None:
        self.key = key
        self._lock = threading.Condition()
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._exits: dict[int, int] = {}
        self._serial = 0
        self.ready = False
        self.alive = True
        self.forks = 0
        self.live: set[int] = set()
        """Pids forked and not yet reported exited: they die if this pool is closed."""
        self.info: dict[str, Any] = {}
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            env = {**dict(key.env), FD_VARIABLE: str(theirs.fileno())}
            self.process = children.spawn(key.argv, env, Path(key.cwd) if key.cwd else None,
                                          pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self._log = log
        threading.Thread(target=self._read, name=f"warm-pool-{self.process.pid}", daemon=True).start()
        threading.Thread(target=self._copy_output, name=f"warm-pool-log-{self.process.pid}", daemon=True).start()

    def fork(self, env: Mapping[str, str], cwd: Path | None) -> ForkedProcess:
        """A worker forked with exactly `env`, `cwd`, its output on a new pipe."""
        read_end, write_end = os.pipe()
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if not self.alive:
                raise WarmPoolError("the warm pool process is gone")
            self._serial += 1
            ident = self._serial
            self._pending[ident] = future
        request = {"op": "fork", "id": ident, "env": dict(env), "cwd": str(cwd) if cwd else None}
        try:
            socket.send_fds(self._socket, [json.dumps(request).encode()], [write_end])
            reply = future.result(FORK_TIMEOUT_SECONDS)
        except Exception as exc:
            os.close(read_end)
            raise WarmPoolError(f"fork request failed: {type(exc).__name__}: {exc}") from exc
        finally:
            os.close(write_end)
            with self._lock:
                self._pending.pop(ident, None)
        if reply.get("op") != "forked":
            os.close(read_end)
            raise WarmPoolError(str(reply.get("message", reply)))
        with self._lock:
            self.forks += 1
            if int(reply["pid"]) not in self._exits:  # a child that died at once may be reported first
                self.live.add(int(reply["pid"]))
        return ForkedProcess(int(reply["pid"]), os.fdopen(read_end, "rb"), self)

    def wait_ready(self, timeout: float) -> bool:
        """Whether the pool is ready, waiting up to `timeout` seconds while it is still importing."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self.ready and self.alive and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            return self.ready

    def exit_code(self, pid: int, wait: float) -> int:
        deadline = time.monotonic() + wait
        with self._lock:
            while pid not in self._exits and self.alive and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            # No report: the pool died first, and its parent-death signal killed the worker.
            return self._exits.pop(pid, -9)

    def _read(self) -> None:
        while True:
            try:
                data = self._socket.recv(PACKET_BYTES)
            except OSError:
                data = b""
            if not data:
                break
            self._dispatch(json.loads(data))
        with self._lock:
            self.alive = False
            self.ready = False
            pending = list(self._pending.values())
            self._lock.notify_all()
        for future in pending:
            if not future.done():
                future.set_exception(WarmPoolError("the warm pool process exited"))
        logger.warning("warm pool %s (pid %d) exited", " ".join(self.key.argv), self.process.pid)

    def _dispatch(self, message: dict[str, Any]) -> None:
        with self._lock:
            if message.get("op") == "exit":
                self._exits[int(message["pid"])] = int(message["code"])
                self.live.discard(int(message["pid"]))
                self._lock.notify_all()
            elif message.get("op") == "ready":
                self.ready, self.info = True, message
                self._lock.notify_all()
                logger.info("warm pool %s ready (pid %d): %s", self.key.argv[0], self.process.pid,
                            ", ".join(message.get("preloaded", [])))
            elif (future := self._pending.get(int(message.get("id") or 0))) is not None and not future.done():
                future.set_result(message)

    def _copy_output(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            self._log.write(f"warm-pool-{self.process.pid}", raw.decode("utf-8", "replace").rstrip("\r\n"))
        self.process.stdout.close()

    def close(self) -> None:
        self._socket.close()  # the pool exits on EOF; its workers die with it
        self.process.terminate()


class WarmPools:
    """The engine's warm pools, keyed by what a worker would run under."""

    def __init__(self, children: ChildProcesses, base_env: Mapping[str, str], log: ServiceLogWriter,
                 limit: int) -> None:
        self._children = children
        self._base = dict(base_env)
        self._log = log
        self._limit = limit
        self._lock = threading.Lock()
        self._pools: dict[PoolKey, Zygote] = {}
        self._retry_at: dict[PoolKey, tuple[float, float]] = {}
        self.fallbacks = 0

    def key(self, command: ProcessCommand) -> PoolKey | None:
        if command.warm_pool is None:
            return None
        env = {**self._base, **command.env}
        return PoolKey(command.warm_pool, str(command.cwd) if command.cwd else None, tuple(sorted(env.items())))

    def keep(self, commands: Iterable[ProcessCommand]) -> None:
        """Run a pool for each of the most used keys of `commands` (up to the limit); stop the others."""
        counts: dict[PoolKey, int] = {}
        for command in commands:
            if (key := self.key(command)) is not None:
                counts[key] = counts.get(key, 0) + 1
        wanted = sorted(counts, key=lambda k: -counts[k])[:self._limit]
        with self._lock:
            # A pool whose processes still run stays while they are needed (its children die with
            # it): the functions, always running, are not killed when model pools outnumber them.
            wanted += [k for k, z in self._pools.items() if k in counts and k not in wanted and z.live]
            stale = [self._pools.pop(k) for k in list(self._pools) if k not in wanted]
            for key in wanted:
                self._ensure(key)
        for zygote in stale:
            zygote.close()

    def _ensure(self, key: PoolKey) -> Zygote | None:
        """The pool of `key`, started (or restarted after a back-off) when missing; lock held."""
        zygote = self._pools.get(key)
        if zygote is not None and zygote.alive:
            return zygote
        delay, retry_at = self._retry_at.get(key, (0.0, 0.0))
        if zygote is not None:  # it died: back off before the next one
            delay = min(max(delay * 2, RESTART_BACKOFF_SECONDS[0]), RESTART_BACKOFF_SECONDS[1])
            retry_at = time.monotonic() + delay
            self._retry_at[key] = (delay, retry_at)
            del self._pools[key]
        if time.monotonic() < retry_at:
            return None
        try:
            self._pools[key] = Zygote(key, self._children, self._log)
        except Exception as exc:  # an unusable interpreter: workers are spawned (and fail with the reason)
            logger.warning("warm pool %s could not start: %s", " ".join(key.argv), exc)
            return None
        return self._pools[key]

    def fork(self, command: ProcessCommand, env: Mapping[str, str]) -> ForkedProcess | None:
        """The worker forked from its pool; None when it must be spawned instead."""
        key = self.key(command)
        if key is None:
            return None
        with self._lock:
            zygote = self._ensure(key) if key in self._pools else None
        if zygote is None or not _same_import_environment(dict(key.env), env):
            return None
        if not zygote.wait_ready(READY_WAIT_SECONDS):
            return None
        try:
            return zygote.fork(env, command.cwd)
        except WarmPoolError as exc:
            with self._lock:
                self.fallbacks += 1
            logger.warning("warm pool %s (pid %d): %s; spawning the worker instead", " ".join(key.argv),
                           zygote.process.pid, exc)
            return None

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"argv": list(k.argv), "pid": z.process.pid, "ready": z.ready, "alive": z.alive,
                     "forks": z.forks, "preloaded": z.info.get("preloaded", [])} for k, z in self._pools.items()]

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for zygote in pools:
            zygote.close()


def _same_import_environment(pool: Mapping[str, str], worker: Mapping[str, str]) -> bool:
    names = {n for n in (*pool, *worker) if n.startswith(IMPORT_TIME_PREFIXES)}
    return all(pool.get(n) == worker.get(n) for n in names)
