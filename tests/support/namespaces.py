"""Whether a test may make a mount namespace here (for read-only trees and small disks)."""

import functools
import os
import subprocess


@functools.cache
def namespaces() -> bool:
    """Whether this machine lets the tests make a mount namespace (root, or unprivileged
    user namespaces): where it does not, the drill checks that nothing was written instead."""
    unshare = (
        ["unshare", "--mount"]
        if os.geteuid() == 0
        else ["unshare", "--user", "--map-root-user", "--mount"]
    )
    try:
        return subprocess.run([*unshare, "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False
