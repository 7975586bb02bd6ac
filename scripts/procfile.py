"""`honcho start` with a stop timeout: honcho 2.0 sends SIGTERM, waits a hard-coded 5 s (KILL_WAIT, no option)
and then SIGKILLs whatever still runs, which would kill a worker in the middle of a job. This runs honcho's
own command line with KILL_WAIT set from STOP_TIMEOUT (seconds, default 30): longer than the worker's
--worker-shutdown-timeout (WORKER_SHUTDOWN_TIMEOUT_MS, default 25 s) so the worker finishes its jobs and
requeues the ones it held in memory before honcho would kill it.

    python scripts/procfile.py start -f Procfile web worker scheduler
"""

from __future__ import annotations

import os
import sys

import honcho.manager
from honcho.command import main

DEFAULT_STOP_TIMEOUT = 30

if __name__ == "__main__":
    honcho.manager.KILL_WAIT = int(os.environ.get("STOP_TIMEOUT", DEFAULT_STOP_TIMEOUT))
    sys.exit(main(sys.argv[1:]))
