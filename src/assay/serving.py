"""Running the team server in several processes, each with a listening socket of its own.

uvicorn's ``--workers`` hands one listening socket to every process. Each accepts all the
connections waiting when it wakes, so a client that opens its keep-alive connections at
once (a proxy, a load generator) often finds all of them on one process while the others
idle: measured with wrk's 16 connections, all 16 went to one of two processes in one run
of four, and that run served half as many requests. Here every process listens on its own
socket bound with SO_REUSEPORT, and the kernel spreads new connections over them.

This module knows the app only by its import string, so the command line does not
import the API.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass, field, replace
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from assay.errors import UsageError

__all__ = ["ServerOptions", "run"]

_STARTUP_FAILURE = 3
"""uvicorn's exit code for a process that failed before it served (the app would not
load, the store would not open): restarting it would fail the same way."""


@dataclass(frozen=True)
class ServerOptions:
    app: str
    """``module:factory`` of the ASGI app."""
    host: str
    port: int
    workers: int
    uvicorn: dict[str, Any]
    """Further uvicorn.Config settings (log level, access log)."""
    arguments: dict[str, Any] = field(default_factory=dict)
    """What the factory is called with in each process (the project, the store URL):
    handed to the process, not through its environment."""


def run(options: ServerOptions) -> None:
    """Serve until SIGINT or SIGTERM; a process that dies is replaced."""
    # Bind here first, without SO_REUSEPORT: a port in use (by any process, another Assay
    # server included, which would otherwise share it silently) is reported once, before
    # any process starts; port 0 becomes the one port every process then shares.
    probe = _socket(options.host, options.port, share=False)
    options = replace(options, port=probe.getsockname()[1])
    probe.close()
    if options.workers > 1:
        Supervisor(options).run()
    else:
        _worker(options)


class Supervisor:
    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = []
        self.stopping = False

    def run(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        self.processes = [self._start() for _ in range(self.options.workers)]
        failed = False
        while not self.stopping:
            time.sleep(0.2)
            for index, process in enumerate(self.processes):
                if process.is_alive() or self.stopping:
                    continue
                if process.exitcode == _STARTUP_FAILURE:
                    failed, self.stopping = True, True
                    break
                print(
                    f"assay serve: process {process.pid} exited with {process.exitcode}; "
                    "starting another",
                    file=sys.stderr,
                )
                self.processes[index] = self._start()
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        if failed:
            raise SystemExit(1)

    def _start(self) -> BaseProcess:
        process = self.context.Process(target=_worker, args=(self.options,), daemon=False)
        process.start()
        return process

    def _stop(self, _signal: int, _frame: FrameType | None) -> None:
        self.stopping = True


def _worker(options: ServerOptions) -> None:
    import uvicorn
    from uvicorn.importer import import_from_string

    factory = import_from_string(options.app)
    config = uvicorn.Config(
        factory(**options.arguments), host=options.host, port=options.port, **options.uvicorn
    )
    try:
        sock = _socket(options.host, options.port)
    except UsageError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(_STARTUP_FAILURE) from exc
    uvicorn.Server(config).run(sockets=[sock])


def _socket(host: str, port: int, *, share: bool = True) -> socket.socket:
    """A TCP socket bound to host:port (not yet listening), shared with the other
    processes (SO_REUSEPORT) when ``share``."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="choose another --port, or stop the process that holds it",
        ) from exc
    sock.set_inheritable(True)
    return sock
