"""Run one broker standalone: `python -m controller.local.broker --db FILE --port N --triggers FILE`.

The triggers file is a JSON list of Knative Trigger manifests whose destinations are absolute
URIs (there is no cluster to resolve a `ref` against). SIGTERM or SIGINT stop it gracefully.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

from controller.local.broker.broker import LocalBroker
from controller.local.broker.event_store import EventLog
from controller.local.broker.ingress import create_ingress_app
from controller.local.broker.redis_log import RedisEventLog
from controller.local.broker.sqlite_log import SqliteEventLog
from controller.local.broker.trigger import DeliveryPolicy

logger = logging.getLogger(__name__)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m controller.local.broker", description=__doc__)
    store = parser.add_mutually_exclusive_group(required=True)
    store.add_argument("--db", type=Path, help="SQLite file holding the event log")
    store.add_argument("--redis-url", help="Redis URL; the event log becomes a Redis stream")
    parser.add_argument("--port", type=int, required=True, help="ingress port on --host")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--triggers", type=Path, help="JSON file: a list of Trigger manifests")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--broker", default="default", help="the broker's name")
    parser.add_argument("--delivery-timeout", type=float, default=30.0, help="seconds per attempt")
    parser.add_argument("--poll-interval", type=float, default=0.1)
    return parser.parse_args(argv)


def _open_log(args: argparse.Namespace) -> EventLog:
    if args.redis_url:
        return RedisEventLog(args.redis_url, prefix=f"hydro:broker:{args.namespace}:{args.broker}")
    return SqliteEventLog(args.db)


def main(argv: list[str] | None = None) -> None:
    """Serve the ingress and deliver to the Triggers until SIGTERM/SIGINT."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = _open_log(args)
    broker = LocalBroker(
        log,
        namespace=args.namespace,
        name=args.broker,
        delivery_defaults=DeliveryPolicy(timeout=args.delivery_timeout),
        poll_interval=args.poll_interval,
    )
    if args.triggers:
        broker.apply_triggers(json.loads(args.triggers.read_text()))
    server = make_server(args.host, args.port, create_ingress_app({(args.namespace, args.broker): broker}),
                         threaded=True)

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    broker.start()
    logger.info("broker %s/%s listening on http://%s:%d", args.namespace, args.broker, args.host, args.port)
    try:
        server.serve_forever()
    finally:
        broker.stop()
        log.close()


if __name__ == "__main__":
    main()
