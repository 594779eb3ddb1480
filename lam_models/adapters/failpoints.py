"""Named crash points for fault tests: ``LAM_FAILPOINT=name`` kills the process there with SIGKILL.

A kill -9 at a precise step (after output, before the manifest commit) is what the crash tests need;
with the variable unset this is a no-op.
"""

from __future__ import annotations

import os
import signal


def hit(name: str) -> None:
    if os.environ.get("LAM_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
