"""The folders and files oke makes for its data, readable by their owner only: the SQLite databases hold the
token-signing private keys, the peers' secrets and the students' data.

Each is created with its mode (0700, 0600) rather than under a umask set for the process: the umask is the
whole process's, threads included, and SQLite needs nothing more, since it gives a database's `-wal`, `-shm`
and `-journal` files the mode of the database itself. A folder or file that exists keeps its mode: the
operator made it, or an older oke did (docs/security.md says how to close those).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Make `path` and every missing folder above it, each for the owner only."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)  # exist_ok: another process may make it meanwhile


def private_file(path: Path) -> None:
    """Make `path` an empty file for the owner only (SQLite takes an empty file for a new database), unless it
    exists; its folders as `private_folder` makes them."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
