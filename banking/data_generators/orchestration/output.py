"""Atomic dataset output: write into a hidden sibling directory, rename it into place at the end.

After an error, Ctrl-C or SIGTERM the temporary directory is removed, so ``out_dir`` either
holds a complete dataset (with its manifest) or is untouched. A process killed outright (kill -9,
out of memory) cannot clean up: its temporary directories carry its pid, and the next write to
the same place removes those whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from banking.dataset.schema import MANIFEST
from banking.errors import UsageError


def check_destination(out_dir: str | Path, overwrite: bool) -> Path:
    """``out_dir`` as a Path if it may be written, else UsageError (before any work is done)."""
    out = Path(out_dir)
    if out.exists() or out.is_symlink():
        if not overwrite:
            raise UsageError(f"{out} already exists; use --force to replace it")
        if not out.is_dir():
            raise UsageError(f"{out} exists and is not a directory; refusing to replace it")
        if any(out.iterdir()) and not (out / MANIFEST).is_file():
            raise UsageError(f"{out} is not empty and not a dataset; refusing to replace it")
    parent = out.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"cannot write to {parent}: not a directory")
    return out


@contextlib.contextmanager
def atomic_directory(out_dir: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``out_dir`` if the block succeeds."""
    out = check_destination(out_dir, overwrite)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out)
        tmp = Path(tempfile.mkdtemp(prefix=_prefix(out, "partial"), dir=parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would make the renamed dataset private
    except OSError as exc:
        raise UsageError(f"cannot write to {parent}: {exc.strerror or exc}") from None
    try:
        yield tmp
        _replace(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace(tmp: Path, out: Path, overwrite: bool) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    check_destination(out, overwrite)
    trash = Path(tempfile.mkdtemp(prefix=_prefix(out, "old"), dir=tmp.parent))
    os.rename(out, trash / out.name)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(trash / out.name, out)  # put the old dataset back
        shutil.rmtree(trash, ignore_errors=True)
        raise
    shutil.rmtree(trash, ignore_errors=True)


def _prefix(out: Path, kind: str) -> str:
    return f".{out.name}.{kind}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_abandoned(out: Path) -> list[Path]:
    """Remove the temporary siblings of ``out`` left by writers that were killed; return them.

    Only directories named by ``_prefix`` whose pid no longer runs: a writer still at work (in
    this or another process) keeps its directory."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:partial|old)-(\d+)-")
    removed = []
    parent = out.absolute().parent
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = pattern.match(entry.name)
            if match and entry.is_dir() and not _alive(int(match.group(1))):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed
