"""`python -m functions` serves the function `HYDRO_FUNCTION` names; `--list` prints the available ones."""

from __future__ import annotations

import json
import logging
import os
import sys

from functions.host import registry
from functions.host.in_process import InProcessServer
from functions.host.server import FunctionServer
from functions.host.settings import FunctionSettings, SettingsError


def main(argv: list[str]) -> int:
    if argv[1:] == ["--list"]:
        print(json.dumps(registry.available()))
        return 0
    try:
        settings = FunctionSettings.from_env(os.environ)
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        registry.validate_environment(settings.function, os.environ)
    except (SettingsError, registry.UnknownFunction, ValueError) as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 2
    logging.getLogger(__name__).info("function %s listening on %s:%d", settings.function, settings.host,
                                     settings.port)
    server = InProcessServer if settings.workers == 0 else FunctionServer
    server(lambda: registry.create(settings), settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
