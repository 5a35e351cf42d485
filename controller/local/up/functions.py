"""Which monitoring functions this installation has: `python -m functions --list`.

The controller never imports the functions package (deployables share only `protos`), so it asks
the entry point, as it would ask an image. Only the standard functions it lists are planned.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from controller.desired_state import FunctionSpec
from controller.planner.functions import STANDARD_FUNCTIONS

logger = logging.getLogger(__name__)


def available_functions(python: str = sys.executable) -> tuple[FunctionSpec, ...]:
    try:
        listed = subprocess.run([python, "-m", "functions", "--list"], capture_output=True, text=True,
                                timeout=60, check=True)
        names = set(json.loads(listed.stdout))
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        logger.warning("no monitoring functions available (python -m functions --list: %s)", error)
        return ()
    return tuple(f for f in STANDARD_FUNCTIONS if f.name in names)
