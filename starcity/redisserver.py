"""A private redis-server on a free loopback port, for `make crawl-distributed` and the
tests (Debian's package, scripts/ensure-redis.sh installs it).

It keeps an append-only file in its folder, written at every command, so that a server
restarted in the middle of a run (the tests do it) comes back with the run's frontier,
seen-URL filter and items; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """``with RedisServer(folder) as server: server.url``; ``restart()`` keeps the port."""

    def __init__(self, folder: Path, port: int = 0, executable: str = "redis-server") -> None:
        self.folder = Path(folder)
        self.port = port or free_port()
        self.executable = shutil.which(executable) or executable
        self.process: subprocess.Popen[bytes] | None = None
        # other users of the machine reach loopback too
        self.password = secrets.token_hex(16)

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        # The configuration on standard input ("redis-server -"): the password is never
        # in a command line other users of the machine can read.
        config = [
            "bind 127.0.0.1",
            f"port {self.port}",
            f'dir "{self.folder}"',
            "appendonly yes",
            "appendfsync always",
            'save ""',
            "protected-mode yes",
            f"requirepass {self.password}",
            "daemonize no",
            f'logfile "{self.folder / "redis.log"}"',
        ]
        try:
            # its own session: a Ctrl-C at the terminal does not stop it under the run
            self.process = subprocess.Popen(
                [self.executable, "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,  # all it says goes to its log file
                start_new_session=True,
            )
        except FileNotFoundError:
            raise RuntimeError(
                "redis-server is not installed (scripts/ensure-redis.sh installs Debian's)"
            ) from None
        assert self.process.stdin is not None
        self.process.stdin.write(("\n".join(config) + "\n").encode())
        self.process.stdin.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: see {self.folder / 'redis.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                    answer = b""
                    while b"+PONG" not in answer and len(answer) < 256:
                        answer += sock.recv(64) or b"-closed"
                        if answer.startswith(b"-"):
                            break
                    if b"+PONG" in answer:
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self, down_for: float = 0.0, kill: bool = True) -> None:
        """Stop the server (killed: no goodbye to the clients), wait, start it again on
        the same port from its append-only file."""
        self.stop(kill=kill)
        time.sleep(down_for)
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
