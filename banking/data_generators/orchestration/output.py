"""Atomic dataset output: write into a hidden sibling directory, rename it into place at the end.

After an error or Ctrl-C the temporary directory is removed, so ``out_dir`` either holds a
complete dataset (with its manifest) or is untouched.
"""

from __future__ import annotations

import contextlib
import os
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
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
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
    trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=tmp.parent))
    os.rename(out, trash / out.name)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(trash / out.name, out)  # put the old dataset back
        shutil.rmtree(trash, ignore_errors=True)
        raise
    shutil.rmtree(trash, ignore_errors=True)
