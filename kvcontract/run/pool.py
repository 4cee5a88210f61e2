"""Run checks on N worker processes, killing any that outlives the per-check timeout.

A small pool of our own instead of ``multiprocessing.Pool``: each worker
handles one check at a time over a pipe, so when a check exceeds
``--timeout`` its worker is killed (SIGKILL: a hung implementation may ignore
anything gentler), the check is an ERROR "timed out after Ns", and a fresh
worker takes its place.  A worker that dies (a segfault, ``os._exit``) makes
its check an ERROR too.  Results come back in plan order, whatever order the
checks finish in; ``on_result`` sees each one as it finishes.

Workers are forked on Linux, so they inherit the prepared run without
pickling; elsewhere they are spawned and the prepared run is pickled (it holds
no callables: each worker resolves its own bindings).

Implementation code never runs in the parent, which only orchestrates:
``jobs == 1`` is one forked worker, reused for every check, so an
implementation that calls ``sys.exit`` or ``os._exit`` ends its worker (an
ERROR for that check, "the implementation exited the process") and never the
run, and ``--timeout`` kills a hung check at any ``-j``.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait
from typing import Callable, Optional

from ..verdicts.model import CheckResult
from .execute import WorkerContext, error_result

__all__ = ["run_tasks"]

ResultCallback = Optional[Callable[[CheckResult], None]]


def _timed_out(context: WorkerContext, task: tuple[int, int], seconds: float) -> CheckResult:
    check = context.check(task)
    return error_result(check, f"timed out after {seconds:g}s (the check was killed; a timeout is never a pass)",
                        seconds=seconds)


def _exited(code: object) -> str:
    if isinstance(code, int) and code < 0:
        return f"the worker process was killed by signal {-code} while running this check (a crash?)"
    return f"the implementation exited the process (code {code}) while running this check"


def _worker_main(conn, context: WorkerContext) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = context.run(task)
        except SystemExit as exc:  # sys.exit() in the implementation: an ERROR, never the end of the run
            result = error_result(context.check(task), _exited(exc.code), error=traceback.format_exc())
        except BaseException as exc:  # noqa: BLE001 - report, do not die silently
            result = error_result(context.check(task), f"worker failed: {type(exc).__name__}: {exc}",
                                  error=traceback.format_exc())
        conn.send(result)


class _Worker:
    def __init__(self, mp, context: WorkerContext):
        self.conn, child = mp.Pipe()
        self.process = mp.Process(target=_worker_main, args=(child, context), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, int] | None = None
        self.index = -1
        self.started = 0.0

    def give(self, index: int, task: tuple[int, int]) -> None:
        self.index, self.task, self.started = index, task, time.monotonic()
        self.conn.send(task)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=5)
        self.kill()


def _context_for_platform():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn")


def run_tasks(context: WorkerContext, tasks: list[tuple[int, int]], *, jobs: int, timeout_s: float,
              on_result: ResultCallback = None, order: list[int] | None = None) -> list[CheckResult]:
    """Each task's result, in the order of ``tasks``; workers take them in ``order`` (default: as given)."""
    if not tasks:
        return []
    mp = _context_for_platform()
    results: list[CheckResult | None] = [None] * len(tasks)
    queue = [(index, tasks[index]) for index in (order if order is not None else range(len(tasks)))]
    workers = [_Worker(mp, context) for _ in range(min(max(jobs, 1), len(tasks)))]

    def finish(index: int, result: CheckResult) -> None:
        results[index] = result
        if on_result:
            on_result(result)

    try:
        while queue or any(w.task is not None for w in workers):
            for worker in workers:
                if worker.task is None and queue:
                    worker.give(*queue.pop(0))
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            next_deadline = min(w.started + timeout_s for w in busy) - now
            ready = wait([w.conn for w in busy], timeout=max(next_deadline, 0))
            now = time.monotonic()
            for position, worker in enumerate(list(workers)):
                if worker.task is None:
                    continue
                replace = False
                if worker.conn in ready:
                    try:
                        finish(worker.index, worker.conn.recv())
                    except (EOFError, OSError):
                        worker.process.join(timeout=2)  # the pipe closes a moment before the exit status is known
                        code = worker.process.exitcode
                        finish(worker.index, error_result(context.check(worker.task), _exited(code),
                                                          seconds=now - worker.started))
                        replace = True
                    worker.task = None
                elif now - worker.started >= timeout_s:
                    finish(worker.index, _timed_out(context, worker.task, timeout_s))
                    worker.task = None
                    replace = True
                if replace:  # a killed or dead worker is replaced only while work remains
                    worker.kill()
                    workers[position] = _Worker(mp, context) if queue else None  # type: ignore[call-overload]
            workers = [w for w in workers if w is not None]
    except BaseException:
        for worker in workers:
            worker.kill()
        raise
    for worker in workers:
        worker.stop()
    return [r if r is not None else error_result(context.check(task), "the check never reported a result")
            for r, task in zip(results, tasks)]
