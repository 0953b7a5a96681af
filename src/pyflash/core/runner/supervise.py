"""The supervisor that ``pyflash check --run`` puts between itself and a card.

pyflash starts it as a script, ``python -I -S supervise.py LIMITS... -- COMMAND...``
(see :data:`SPEC` for the order), in a new session, so it leads its own
process group. It imports only a few standard modules (start-up time counts:
it runs once per card). It:

1. makes itself a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``):
   an orphaned descendant of the card -- one that called ``setsid``, or
   double-forked -- is re-parented to the supervisor, never to init, so it
   can always be found by walking ``/proc`` down from the supervisor;
2. asks for SIGTERM when pyflash dies (``PR_SET_PDEATHSIG``), and treats
   SIGTERM as "stop now";
3. starts COMMAND with resource limits set in the child before ``exec``
   (CPU seconds, data memory, file size, and processes -- a pids cgroup when
   one can be made, else ``RLIMIT_NPROC``, which the kernel ignores for root);
4. waits at most ``timeout`` seconds, reaping orphans meanwhile;
5. then SIGKILLs every remaining descendant, scanning ``/proc`` again until
   none is left, and writes one line saying how the card ended,
   ``key=value`` pairs (see :data:`REPORT`), to the status file descriptor.

Where there is no ``/proc`` (macOS) it cannot see setsid children: after
writing its report it kills its own process group, itself included.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

if sys.platform != "win32":  # check --run refuses to run cards elsewhere
    import resource

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SPEC = ("timeout", "cpu", "memory", "file_size", "procs", "status_fd", "parent")  # argv before "--"
REPORT = ("exit", "signal", "timed_out", "stopped", "killed", "procs_hit")  # ints; "" for none
KILL_PATIENCE = 3.0  # seconds to spend killing leftovers before giving up
CGROUP_ROOT = "/sys/fs/cgroup"


class Stop(Exception):
    """SIGTERM: pyflash wants the card stopped (output cap, Ctrl-C, or it died)."""


def _stop(_signum: int, _frame: object) -> None:
    raise Stop


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


# --- processes -------------------------------------------------------------


def _parents() -> dict[int, int]:
    """pid -> parent pid, for every process in /proc (empty without /proc)."""
    table: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()  # the name in (...) may hold spaces
        if len(fields) > 1:
            table[int(name)] = int(fields[1])
    return table


def descendants(root: int) -> set[int]:
    """Every process below ``root`` in the process tree."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _reap(card: int, statuses: list[int]) -> None:
    """Collect every child that has exited; keep the card's wait status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid == card:
            statuses.append(status)


def kill_all(card: int, statuses: list[int], cgroup: str | None) -> int:
    """SIGKILL every descendant (and cgroup member) until none is left.

    A process forked between the scan and the kill is re-parented to this
    subreaper when its parent dies, so the next scan finds it. Returns how
    many processes were killed.
    """
    me = os.getpid()
    killed: set[int] = set()
    deadline = time.monotonic() + KILL_PATIENCE
    while True:
        _reap(card, statuses)
        pids = (descendants(me) | _cgroup_members(cgroup)) - {me}
        if not pids or time.monotonic() > deadline:
            return len(killed)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        time.sleep(0.002)


# --- limits ----------------------------------------------------------------


def pids_cgroup() -> str | None:
    """A pids cgroup folder this process may create child cgroups in, if any."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):  # cgroup v1
            base = f"{CGROUP_ROOT}/pids{path}".rstrip("/")
        elif controllers == "":  # cgroup v2: pids must be enabled for children
            mount = CGROUP_ROOT if os.path.exists(f"{CGROUP_ROOT}/cgroup.controllers") else f"{CGROUP_ROOT}/unified"
            base = f"{mount}{path}".rstrip("/")
            try:
                with open(f"{base}/cgroup.subtree_control", encoding="utf-8") as fh:
                    if "pids" not in fh.read().split():
                        continue
            except OSError:
                continue
        else:
            continue
        if os.access(base, os.W_OK) and os.path.exists(f"{base}/cgroup.procs"):
            return base
    return None


def process_limit_kind() -> str:
    """How the process limit is enforced here: ``cgroup``, ``rlimit`` or ``none``."""
    if pids_cgroup():
        return "cgroup"
    return "none" if os.getuid() == 0 else "rlimit"  # the kernel exempts root from RLIMIT_NPROC


def _make_cgroup(procs: int) -> str | None:
    base = pids_cgroup()
    if base is None:
        return None
    path = f"{base}/pyflash-run-{os.getpid()}"
    try:
        os.mkdir(path)
        with open(f"{path}/pids.max", "w", encoding="ascii") as fh:
            fh.write(str(procs))
    except OSError:
        _remove_cgroup(path)
        return None
    return path


def _cgroup_members(cgroup: str | None) -> set[int]:
    if cgroup is None:
        return set()
    try:
        with open(f"{cgroup}/cgroup.procs", encoding="ascii") as fh:
            return {int(p) for p in fh.read().split()}
    except (OSError, ValueError):
        return set()


def _cgroup_hit(cgroup: str | None) -> bool:
    """Whether a fork failed because the cgroup's pids.max was reached."""
    if cgroup is None:
        return False
    try:
        with open(f"{cgroup}/pids.events", encoding="ascii") as fh:
            return any(line.split()[1:] != ["0"] for line in fh if line.startswith("max"))
    except (OSError, IndexError):
        return False


def _remove_cgroup(path: str) -> None:
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def _user_tasks(uid: int) -> int:
    """Processes and threads whose real user is ``uid`` (RLIMIT_NPROC counts these)."""
    total = 0
    for pid in _parents():
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as fh:
                status = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(status["Uid"].split()[0]) == uid:
                total += int(status.get("Threads", "1"))
        except (OSError, KeyError, ValueError):
            continue
    return total


def _set(limit: int, soft: int, hard: int | None = None) -> None:
    _cur_soft, cur_hard = resource.getrlimit(limit)
    hard = soft if hard is None else hard
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
        soft = min(soft, hard)
    resource.setrlimit(limit, (soft, hard))


def _limit_child(spec: dict[str, float], cgroup: str | None, nproc: int | None) -> None:
    """In the card's process, before exec: join the cgroup, set the rlimits."""
    if cgroup is not None:
        with open(f"{cgroup}/cgroup.procs", "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))
    cpu = int(spec["cpu"])
    _set(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU, then SIGKILL a second later
    _set(resource.RLIMIT_DATA, int(spec["memory"]))
    _set(resource.RLIMIT_FSIZE, int(spec["file_size"]))
    _set(resource.RLIMIT_CORE, 0)
    if nproc is not None:
        _set(resource.RLIMIT_NPROC, nproc)


# --- the run ---------------------------------------------------------------


def _start(command: list[str], spec: dict[str, float], cgroup: str | None, nproc: int | None) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:  # the card's process
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        for sig in (signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        _limit_child(spec, cgroup, nproc)
        os.execvp(command[0], command)
    except BaseException as exc:  # noqa: B036 - nothing may escape a forked child
        os.write(2, f"pyflash: cannot start {command[0]}: {exc}\n".encode())
    os._exit(127)


def _wait(card: int, statuses: list[int], timeout: float) -> bool:
    """Reap children until the card has exited (True) or ``timeout`` passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        _reap(card, statuses)
        if statuses:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if sys.platform.startswith("linux"):
            signal.sigtimedwait([signal.SIGCHLD], remaining)  # SIGCHLD is blocked: it wakes us here
        else:
            time.sleep(min(remaining, 0.01))


def supervise(spec: dict[str, float], command: list[str]) -> dict[str, int | None]:
    """Run ``command`` under the limits in ``spec``; how it ended (see REPORT)."""
    signal.signal(signal.SIGTERM, _stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    report: dict[str, int | None] = dict.fromkeys(REPORT, 0)
    report["exit"] = report["signal"] = None
    if os.getppid() != spec["parent"]:  # pyflash died before PDEATHSIG was set
        report["stopped"] = 1
        return report
    procs = int(spec["procs"])
    statuses: list[int] = []
    card = 0
    cgroup = None
    try:
        cgroup = _make_cgroup(procs)
        nproc = None if cgroup or os.getuid() == 0 else _user_tasks(os.getuid()) + procs
        card = _start(command, spec, cgroup, nproc)
        report["timed_out"] = int(not _wait(card, statuses, spec["timeout"]))
    except Stop:
        report["stopped"] = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        report["killed"] = kill_all(card, statuses, cgroup)
        report["procs_hit"] = int(_cgroup_hit(cgroup))
        if cgroup:
            _remove_cgroup(cgroup)
    if statuses:
        status = statuses[0]
        if os.WIFSIGNALED(status):
            report["signal"] = os.WTERMSIG(status)
        else:
            report["exit"] = os.waitstatus_to_exitcode(status)
    return report


def main(argv: list[str]) -> int:
    """``supervise.py TIMEOUT CPU MEMORY FILE_SIZE PROCS STATUS_FD PARENT -- COMMAND...``"""
    split = argv.index("--")
    spec = dict(zip(SPEC, map(float, argv[1:split]), strict=True))
    status_fd = int(spec["status_fd"])
    os.set_inheritable(status_fd, False)
    report = supervise(spec, argv[split + 1 :])
    line = " ".join(f"{key}={'' if value is None else value}" for key, value in report.items())
    os.write(status_fd, (line + "\n").encode())
    os.close(status_fd)
    if not os.path.isdir("/proc"):
        os.killpg(os.getpgrp(), signal.SIGKILL)  # cannot see setsid children: at least the group
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
