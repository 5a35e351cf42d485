"""The load generator: its own process (its own GIL), driven over stdin/stdout with JSON lines.

Each command line is one cell: closed-loop load with `concurrency` workers against one endpoint,
a warm-up, then `duration` seconds measured; the answer line is the cell's figures. A request
counts only if it succeeded (HTTP 200 / gRPC OK); failures are counted as errors.

    {"kind": "http", "url": ..., "body": <hex>, "concurrency": 8, "warmup": 0.5, "duration": 2}
    {"kind": "grpc", "target": "127.0.0.1:port", "method": "/pkg.Service/Method", "body": <hex>, ...}

Bodies are pre-encoded once by the harness, so every system pays the same client cost.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import aiohttp
import grpc

from tests.bench.stats import summarise

Call = Callable[[], Awaitable[bool]]
GRPC_OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


async def closed_loop(call: Call, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
    loop_start = time.perf_counter()
    start, end = loop_start + warmup, loop_start + warmup + duration
    latencies: list[float] = []
    errors = [0]

    async def worker() -> None:
        while True:
            began = time.perf_counter()
            if began >= end:
                return
            ok = await call()
            if began >= start:
                if ok:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors[0] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return asdict(summarise(latencies, errors[0], max(time.perf_counter(), end) - start))


async def http_cell(spec: dict[str, Any]) -> dict[str, Any]:
    body = bytes.fromhex(spec["body"])
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    connector = aiohttp.TCPConnector(limit=spec["concurrency"], force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        async def call() -> bool:
            try:
                async with session.post(spec["url"], data=body, headers=headers) as answer:
                    await answer.read()
                    return answer.status == 200
            except (TimeoutError, aiohttp.ClientError):
                return False

        return await closed_loop(call, spec["concurrency"], spec["warmup"], spec["duration"])


async def grpc_cell(spec: dict[str, Any]) -> dict[str, Any]:
    body = bytes.fromhex(spec["body"])
    async with grpc.aio.insecure_channel(spec["target"], options=GRPC_OPTIONS) as channel:
        method = channel.unary_unary(spec["method"], request_serializer=None, response_deserializer=None)

        async def call() -> bool:
            try:
                await method(body, timeout=60)
                return True
            except grpc.aio.AioRpcError:
                return False

        return await closed_loop(call, spec["concurrency"], spec["warmup"], spec["duration"])


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cell = http_cell if spec["kind"] == "http" else grpc_cell
    return asyncio.run(cell(spec))


def main() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"ok": True, "result": run(json.loads(line))}
        except Exception as error:  # reported to the harness, which names the cell
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
