"""Kernels forked from one warm process: start-up and imports paid once per build.

Most of an analysis notebook's time is starting Python, ipykernel and importing pandas,
matplotlib and itables. A fork server pays that once: it imports them, then forks a fresh
ipykernel for every notebook. Each kernel is a new process, a copy of a state in which no
notebook has run, so nothing one notebook defines is visible to the next, and its outputs are
what a fresh kernel gives (``tests/test_warm_kernels.py`` compares them).

Only public interfaces are used: the Jupyter kernel is launched through a kernelspec whose
command is this module's ``relay``. The relay hands its connection file, arguments, working
folder, environment and standard streams to the server, which forks the kernel; the relay then
waits for it, forwards signals to it, and exits with its exit code. When the relay is killed,
the server kills the kernel.

    python -m notes.warm_kernels serve FD MODULE...       # the server (started by the build)
    python -m notes.warm_kernels relay SOCKET ARG...      # a kernel command (started by nbclient)
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import sys

# What the analysis notebooks import, in the order a kernel would import them.
PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "itables",
    "IPython.display",
    "notes.catalog",
    "notes.tables",
    "notes.analysis",
)
# Environment variables a kernel may have that the server lacks: each is read while the kernel
# runs, never while the modules above are imported. A request differing in any other variable
# gets a fresh kernel instead, since an imported module may have read the server's value.
RUNTIME_ENV = frozenset(
    {"JPY_PARENT_PID", "JPY_SESSION_NAME", "NOTES_READS_RECORD", "PYTEST_CURRENT_TEST"}
)
# What ipykernel sets, unless set, before a notebook can import matplotlib.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_LINE = 1 << 20  # the longest request or reply line, in bytes


# --- the relay: the kernel command Jupyter starts ---------------------------------------------


def relay(path: str, argv: list[str]) -> int:
    """Ask the server for a kernel with this process's streams, folder and environment; be an
    ordinary fresh kernel if the server cannot give one (it failed to import a module, say)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:

        def forward(signum: int, _frame: object) -> None:
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"signal": signum}).encode() + b"\n")

        started = False
        try:
            conn.connect(path)
            request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
            socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
            for signum in FORWARDED_SIGNALS:
                signal.signal(signum, forward)
            for line in conn.makefile("rb"):
                reply = json.loads(line)
                started = started or "pid" in reply
                if "exit" in reply:
                    return int(reply["exit"])
                if "fresh" in reply:  # the server cannot stand in for this kernel
                    break
                if "error" in reply:
                    print(f"notes.warm_kernels: {reply['error']}", file=sys.stderr)
                    return 1
        except OSError:  # no server, or it ended
            pass
    if not started:  # never forked: be the kernel
        _become_fresh_kernel(argv)
    print("notes.warm_kernels: the kernel server went away", file=sys.stderr)
    return 1


def _become_fresh_kernel(argv: list[str]) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def env_differences(request: dict[str, str], server: dict[str, str]) -> set[str]:
    """The variables, outside ``RUNTIME_ENV``, in which a kernel's environment differs from
    the server's (matplotlib's backend counted as ipykernel will set it)."""
    request = {"MPLBACKEND": INLINE_BACKEND, **request}
    names = (request.keys() | server.keys()) - RUNTIME_ENV
    return {name for name in names if request.get(name) != server.get(name)}


# --- the server: one warm process per build ----------------------------------------------------


def listen(path: str) -> socket.socket:
    """The server's socket, made by the build before it starts the server, so that a relay
    never finds it missing; requests wait in its backlog while the server imports."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    return listener


def serve(fd: int, modules: list[str]) -> None:
    """Import ``modules``, then fork a kernel per request on the listening socket ``fd`` until
    stdin closes (the build ended), killing the kernels still running then."""
    # Ctrl-C reaches the whole build: the build then closes stdin, which ends the server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(fileno=fd)
    # As ipykernel_launcher does: no working folder on sys.path while the imports run.
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for module in modules:
        __import__(module)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    kernels: dict[int, tuple[socket.socket, int]] = {}  # pid -> (relay connection, pidfd)
    while True:
        for key, _ in selector.select():
            kind, pid = (key.data, 0) if isinstance(key.data, str) else key.data
            if kind == "stdin" and not os.read(sys.stdin.fileno(), 4096):
                for pid in kernels:
                    _kill(pid)
                return
            if kind == "accept":
                conn, _ = listener.accept()
                pid = _start(conn, listener, selector, kernels)
                if pid is not None:
                    pidfd = os.pidfd_open(pid)
                    kernels[pid] = (conn, pidfd)
                    selector.register(conn, selectors.EVENT_READ, ("relay", pid))
                    selector.register(pidfd, selectors.EVENT_READ, ("exit", pid))
            elif pid not in kernels or key.fileobj not in kernels[pid]:
                continue  # an event of a kernel reaped earlier in this batch
            elif kind == "relay":
                _relay_message(selector, key.fileobj, pid)  # type: ignore[arg-type]
            elif kind == "exit":
                _reap(selector, pid, *kernels.pop(pid))


def _relay_message(selector: selectors.BaseSelector, conn: socket.socket, pid: int) -> None:
    """A signal to forward, or the end of the relay, which ends its kernel."""
    try:
        data = conn.recv(_LINE)
    except OSError:
        data = b""
    if not data:
        _kill(pid)
        selector.unregister(conn)
        return
    for line in data.splitlines():
        message = json.loads(line)
        if "signal" in message:
            _signal(pid, int(message["signal"]))


def _reap(selector: selectors.BaseSelector, pid: int, conn: socket.socket, pidfd: int) -> None:
    """Collect an ended kernel and tell its relay the exit code."""
    _, status = os.waitpid(pid, 0)
    for fileobj in (conn, pidfd):
        if _registered(selector, fileobj):
            selector.unregister(fileobj)
    os.close(pidfd)
    with contextlib.suppress(OSError):  # the relay may be gone
        reply = {"exit": os.waitstatus_to_exitcode(status)}
        conn.sendall(json.dumps(reply).encode() + b"\n")
    conn.close()


def _registered(selector: selectors.BaseSelector, fileobj: object) -> bool:
    try:
        selector.get_key(fileobj)
    except KeyError:
        return False
    return True


def _start(
    conn: socket.socket, listener: socket.socket, selector: selectors.BaseSelector, kernels: dict
) -> int | None:
    """Fork a kernel for the request on ``conn``; the parent gets its pid."""
    message, fds, _, _ = socket.recv_fds(conn, _LINE, 3)
    try:
        request = json.loads(message.splitlines()[0])
        if len(fds) != 3:
            raise ValueError(f"expected 3 standard streams, got {len(fds)}")
        differences = env_differences(request["env"], dict(os.environ))
        reply = {"fresh": sorted(differences)} if differences else None
    except (ValueError, IndexError, KeyError) as error:
        reply = {"error": f"bad request: {error}"}
    if reply:
        conn.sendall(json.dumps(reply).encode() + b"\n")
        conn.close()
        for fd in fds:
            os.close(fd)
        return None
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        return pid
    # The kernel: drop the server's files, take the relay's streams, folder and environment.
    code = 1
    try:
        selector.close()
        listener.close()
        for other, pidfd in kernels.values():
            other.close()
            os.close(pidfd)
        conn.close()
        os.setsid()  # as Jupyter starts a kernel: its own session, away from the terminal
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        code = _run_kernel(request)
    finally:
        os._exit(code)


def _run_kernel(request: dict) -> int:
    """Run ipykernel as ``python -m ipykernel_launcher ARGV`` would, in this forked process."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any new Python process
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    if "numpy" in sys.modules:  # a fresh kernel seeds numpy's global generator anew
        sys.modules["numpy"].random.seed()
    sys.argv = [sys.argv[0], *request["argv"]]
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        stream.flush() if stream.writable() else None
    from ipykernel import kernelapp

    # ipykernel reads JPY_PARENT_PID when it is imported, which was before this request.
    parent = f"--IPKernelApp.parent_handle={int(os.environ.get('JPY_PARENT_PID') or 0)}"
    try:
        kernelapp.launch_new_instance(argv=[*request["argv"], parent])
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _kill(pid: int) -> None:
    _signal(pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "relay":
        return relay(argv[1], argv[2:])
    if len(argv) >= 2 and argv[0] == "serve":
        serve(int(argv[1]), argv[2:])
        return 0
    print(__doc__.strip().splitlines()[-2:], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
