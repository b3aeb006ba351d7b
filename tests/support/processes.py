"""Starting the local stack's programs the way a background job of a non-interactive shell does."""

from __future__ import annotations

import sys

# A background job of a non-interactive shell (`make test &`, nohup, many CI runners) starts with
# SIGINT ignored, and Python keeps it ignored unless the program installs its own handler. The
# launcher sets that disposition and then becomes the program (exec keeps an ignored signal), so a
# test can prove Ctrl-C still stops it. (`preexec_fn` would do the same but is unsafe with threads.)
_LAUNCH_WITH_CTRL_C_IGNORED = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def python_with_ctrl_c_ignored(*args: str) -> list[str]:
    """A command line that runs `python *args` with SIGINT inherited as ignored."""
    return [sys.executable, "-c", _LAUNCH_WITH_CTRL_C_IGNORED, *args]
