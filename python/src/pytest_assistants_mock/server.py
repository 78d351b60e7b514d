"""Finding or starting the assistants-mock server a test session talks to.

Either the server already runs (``ASSISTANTS_MOCK_URL``, its root URL as the start-up banner prints
it) or this module starts one from a command line (by default ``npx assistants-mock --port 0 --db
:memory:``), reads the URL it listens on from its output, waits for ``GET /healthz`` and stops it
at the end of the session.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO, Optional, Sequence, Union

DEFAULT_COMMAND = "npx assistants-mock --port 0 --db :memory:"

# The banner (stderr): "assistants-mock 0.1.0 listening on http://127.0.0.1:4141 (bound to ...)";
# Fastify's own JSON log line (stdout) says "Server listening at http://127.0.0.1:4141". Either one
# names the real port, which is what `--port 0` needs. IPv6 hosts come in brackets.
# The lookahead wants the character after the port, so a line still being written ("...:41") is not
# taken for port 41.
_LISTENING = re.compile(r"listening (?:on|at) (https?://(?:\[[0-9a-fA-F:.]+\]|[^\s/:\"',)]+):\d+)(?=[\s\"',)/])")


class ServerStartError(RuntimeError):
    """The server command exited, or printed no URL, or never answered /healthz."""


def root_url(url: str) -> str:
    """The server's root URL: no trailing slash, and no `/v1` (a common slip when copying the base URL)."""
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


def find_url(output: str) -> Optional[str]:
    """The first URL the server says it listens on, in its banner or log output."""
    match = _LISTENING.search(output)
    return match.group(1) if match else None


def wait_healthy(url: str, timeout: float) -> None:
    """Polls GET {url}/healthz until it answers 200; raises ServerStartError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
                last = f"status {response.status}"
        except (urllib.error.URLError, OSError) as error:
            last = error
        if time.monotonic() >= deadline:
            raise ServerStartError(f"{url}/healthz did not answer 200 within {timeout:g} s (last: {last})")
        time.sleep(0.05)


class MockServer:
    """A running assistants-mock: its root URL and, when this process started it, how to stop it."""

    def __init__(self, url: str, process: Optional[subprocess.Popen] = None, log: Optional[IO[str]] = None):
        self.url = root_url(url)
        self._process = process
        self._log = log
        self._final_output = ""

    @property
    def started_here(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process else None

    @classmethod
    def connect(cls, url: str, timeout: float = 10.0) -> "MockServer":
        """A server that is already running (ASSISTANTS_MOCK_URL): checked, never stopped."""
        server = cls(url)
        wait_healthy(server.url, timeout)
        return server

    @classmethod
    def start(cls, command: Union[str, Sequence[str]] = DEFAULT_COMMAND, timeout: float = 60.0) -> "MockServer":
        """Runs `command`, reads the URL from its output, waits for /healthz.

        Output goes to a temporary file rather than a pipe: a pipe nobody reads fills up and would
        stall the server once its request log passes 64 KiB.
        """
        argv = shlex.split(command, posix=os.name == "posix") if isinstance(command, str) else list(command)
        if not argv:
            raise ServerStartError("the assistants-mock command is empty")
        log = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="assistants-mock-")
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # A group of its own, so that stopping it reaches the server behind wrappers such as
                # npx, whose shell does not pass signals on.
                start_new_session=os.name == "posix",
            )
        except OSError as error:
            log.close()
            raise ServerStartError(f"cannot run {shlex.join(argv)}: {error}") from error
        server = cls("http://unknown", process, log)
        try:
            server.url = root_url(server._await_url(argv, timeout))
            wait_healthy(server.url, timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def output(self) -> str:
        """What the server printed so far (banner and logs), when this process started it."""
        if self._log is None or self._log.closed:
            return self._final_output
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def _await_url(self, argv: Sequence[str], timeout: float) -> str:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while True:
            url = find_url(self.output())
            if url:
                return url
            code = self._process.poll()
            if code is not None:
                raise ServerStartError(
                    f"{shlex.join(argv)} exited with code {code} before printing its URL; it printed:\n{self.output()}"
                )
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"{shlex.join(argv)} printed no 'listening on http://...' line within {timeout:g} s; "
                    f"it printed:\n{self.output()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL after `timeout` seconds. Nothing for a server found by URL."""
        process = self._process
        if process is None:
            return
        try:
            # The leader may be gone already (a wrapper that died) while the server behind it runs.
            if process.poll() is None or (os.name == "posix" and self._signal_group(0)):
                self._signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
                    process.wait(timeout)
            # The group may outlive its leader (npx exits on SIGTERM while node is still closing):
            # give the rest the same time to finish, then end what is left.
            if os.name == "posix" and not self._group_gone(timeout):
                self._signal_group(signal.SIGKILL)
        finally:
            # What it printed stays readable through output(); the temporary file goes.
            if self._log is not None and not self._log.closed:
                self._final_output = self.output()
                self._log.close()

    def _signal(self, sig: int) -> None:
        assert self._process is not None
        if os.name == "posix" and self._signal_group(sig):
            return
        try:
            self._process.send_signal(sig)
        except ProcessLookupError:
            pass

    def _group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._signal_group(0):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _signal_group(self, sig: int) -> bool:
        assert self._process is not None
        try:
            os.killpg(self._process.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False
