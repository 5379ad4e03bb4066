"""One run's files, all or nothing, and Ctrl-C during a solve (docs/cli.md#interrupting).

`write_run` writes plan.csv, fairness.csv and feeds/ into a fresh directory beside `--out` and
moves it into place only when every file is written, so `--out` always holds one whole run.
`ctrl_c` turns the first Ctrl-C into a request to stop the solve and the second into an abort.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from scheduler.cli.common import EXIT_INTERRUPTED, BadInput, echo

__all__ = ["EXIT_INTERRUPTED", "check_out", "ctrl_c", "write_run"]
OWN = frozenset({"plan.csv", "fairness.csv", "feeds"})  # what a run writes into --out

T = TypeVar("T")


def check_out(out: Path) -> None:
    """Refuse an --out that is a file, a directory holding files a run did not write, or a
    place where no directory can be made (checked before the solve, by making one and
    removing it again in the nearest folder that exists).

    Raises BadInput: the whole directory is replaced, so anything else in it would be lost.
    """
    _check_writable(Path(os.path.abspath(out)))
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a directory")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OWN)
        if foreign:
            shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
            raise BadInput(
                f"--out {out} holds files that rota plan did not write ({shown}); it replaces "
                "the whole directory: give a new or empty directory, or an earlier run's"
            )


def _check_writable(out: Path) -> None:
    """Raise BadInput unless a directory can be made beside `out` (where the run is staged)."""
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".check", dir=folder))
    except OSError as err:
        raise BadInput(
            f"--out {out}: cannot write there ({err.strerror or err}); give a folder you can "
            "write to"
        ) from None


def _mode_of(out: Path) -> int:
    """Return the permission bits for the run's directory: the earlier run's, else what a new
    directory gets under the process's umask (mkdtemp's own 0700 would shut out a web server
    that serves the feeds)."""
    if out.is_dir():
        return stat.S_IMODE(out.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def write_run(out: Path, write: Callable[[Path], T]) -> T:
    """Call `write(staging)` to write a run into a new directory beside `out`, then swap it in.

    The earlier run's feeds/ are copied into the staging directory first, so feed revisions
    carry on (docs/feeds.md#feed-files-across-runs). If `write` raises (a full disk, Ctrl-C),
    the staging directory is removed and `out` is left as it was. Returns what `write` returns.
    """
    out = Path(os.path.abspath(out))
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    try:
        os.chmod(staging, _mode_of(out))
        if (out / "feeds").is_dir():
            shutil.copytree(out / "feeds", staging / "feeds")
        result = write(staging)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def _swap_in(staging: Path, out: Path) -> None:
    """Put `staging` where `out` is: rename the old run aside, rename the new one in, drop the
    old. Each step is one rename, so `out` is never half of one run and half of another."""
    if not out.exists():
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rename(out, old / "run")
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old / "run", out)  # put the earlier run back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def ctrl_c(
    request: Callable[[], None], abort: Callable[[], bool] | None = None
) -> Iterator[Callable[[], bool]]:
    """Within the block, the first Ctrl-C calls `request` and the second raises
    KeyboardInterrupt; yields a function telling whether a Ctrl-C came.

    With `abort` (e.g. `Interrupt.abort`), the second Ctrl-C calls it instead, and raises only
    when it returns False: a running search raises KeyboardInterrupt itself once it is safe.
    Once a Ctrl-C has come, the block's end leaves Ctrl-C ignored: all that is left is to
    report and exit, and a press landing there would end the process by the signal instead of
    with exit code 130. Only the main thread can take signals; elsewhere the block runs as it is.
    """
    pressed = {"count": 0}

    def on_sigint(_signum, _frame) -> None:
        pressed["count"] += 1
        if pressed["count"] > 1:
            if abort is None or not abort():
                raise KeyboardInterrupt
            return
        echo(
            "\ninterrupted: stopping the solve; the best plan so far is written if it passes "
            "every rule (Ctrl-C again aborts and writes nothing)",
            err=True,
        )
        request()

    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield lambda: pressed["count"] > 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN if pressed["count"] else previous)
