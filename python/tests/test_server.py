"""Finding the URL in the server's output, starting the CLI and stopping it."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from conftest import NODE, CLI, cli_command

from pytest_assistants_mock.admin import AdminClient
from pytest_assistants_mock.server import DEFAULT_COMMAND, MockServer, ServerStartError, find_url, root_url

BANNER = """assistants-mock 0.1.0 listening on http://127.0.0.1:38447
  OpenAI base URL  http://127.0.0.1:38447/v1
  Azure endpoint   http://127.0.0.1:38447
"""


def test_find_url_reads_the_banner():
    assert find_url(BANNER) == "http://127.0.0.1:38447"


def test_find_url_reads_the_banner_of_a_server_bound_to_every_interface():
    line = "assistants-mock 0.1.0 listening on http://127.0.0.1:4141 (bound to 0.0.0.0: every interface)\n"
    assert find_url(line) == "http://127.0.0.1:4141"


def test_find_url_reads_fastifys_log_line_when_the_banner_is_off():
    line = '{"level":30,"time":1,"pid":1,"msg":"Server listening at http://127.0.0.1:40001"}\n'
    assert find_url(line) == "http://127.0.0.1:40001"


def test_find_url_reads_an_ipv6_address():
    assert find_url("assistants-mock 0.1.0 listening on http://[::1]:4141\n") == "http://[::1]:4141"


def test_find_url_waits_for_a_whole_line():
    assert find_url("npm warn exec The following package was not found\n") is None
    assert find_url("assistants-mock 0.1.0 listening on http://127.0.0.1:") is None
    assert find_url("assistants-mock 0.1.0 listening on http://127.0.0.1:41") is None


def test_root_url_drops_a_trailing_slash_and_v1():
    assert root_url("http://127.0.0.1:4141/") == "http://127.0.0.1:4141"
    assert root_url("http://127.0.0.1:4141/v1/") == "http://127.0.0.1:4141"
    assert root_url(" http://mock:4141 ") == "http://mock:4141"


def _refused(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/healthz", timeout=2)
    except urllib.error.URLError as error:
        return isinstance(error.reason, ConnectionRefusedError)
    return False


def test_start_reads_the_port_chosen_by_port_0_and_stop_ends_the_process():
    server = MockServer.start(cli_command())
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith(":0")
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()
    assert server._process.returncode == 0  # SIGTERM: the CLI's clean shutdown exits 0
    assert _refused(server.url)


def test_start_reads_the_log_line_when_the_banner_is_off():
    argv = [NODE, str(CLI), "--port", "0", "--db", ":memory:", "--no-banner", "--log-level", "info"]
    server = MockServer.start(argv)
    try:
        assert "listening on" not in server.output()
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()


def test_a_command_that_exits_is_reported_with_its_output():
    with pytest.raises(ServerStartError) as raised:
        MockServer.start([NODE, str(CLI), "--port", "eighty"], timeout=30)
    assert "exited with code 1" in str(raised.value)
    assert "must be a whole number" in str(raised.value)


def test_a_command_that_does_not_exist_is_reported():
    with pytest.raises(ServerStartError, match="cannot run"):
        MockServer.start("assistants-mock-no-such-command --port 0")


def test_a_url_where_nothing_listens_is_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ServerStartError, match="healthz did not answer 200"):
        MockServer.connect(f"http://127.0.0.1:{port}", timeout=0.5)


def test_stop_kills_a_server_that_does_not_stop_in_time():
    # A 60 s shutdown grace and a request held for 30 s by a latency fault keep the server draining
    # after SIGTERM, as a server stuck on shutdown would be.
    server = MockServer.start(cli_command("--shutdown-grace-ms", "60000"))
    admin = AdminClient(server.url, "sk-slow")
    admin.faults.add(path="/v1/assistants", latency_ms=30000)
    request = urllib.request.Request(f"{server.url}/v1/assistants", headers={"authorization": "Bearer sk-slow"})
    pending = threading.Thread(target=_ignore_errors, args=(lambda: urllib.request.urlopen(request, timeout=60),))
    pending.start()
    deadline = time.monotonic() + 20
    while admin.faults.list()[0]["hits"] == 0:  # the request is in the server, held by the fault
        assert time.monotonic() < deadline, "the slow request never reached the server"
        time.sleep(0.02)
    started = time.monotonic()
    server.stop(timeout=1)
    assert time.monotonic() - started < 10
    assert server._process.returncode == -9  # SIGKILL, after SIGTERM was not enough
    assert _refused(server.url)
    pending.join(10)


def _ignore_errors(call):
    try:
        call()
    except Exception:
        pass


def test_the_default_command_runs_the_projects_cli_through_npx_and_stop_ends_it_all(tmp_path, monkeypatch):
    # A project with assistants-mock installed: npx finds node_modules/.bin/assistants-mock (here a
    # script that runs this checkout's build) and runs it through `npm exec` and `sh -c`.
    if shutil.which("npx") is None:
        pytest.skip("npx is not on PATH")
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0", "private": true}')
    bin_dir = tmp_path / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "assistants-mock"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(NODE)} {shlex.quote(str(CLI))} "$@"\n')
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    server = MockServer.start(DEFAULT_COMMAND)
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            assert response.status == 200
        assert "Database         :memory:" in server.output()
        group = _group_members(server.pid)
        assert any(str(CLI) in args for args in group.values()), group  # node runs in the server's group
    finally:
        server.stop()
    assert "shutdown complete" in server.output()  # SIGTERM reached node: a clean shutdown
    for pid in group:  # npm, sh and node: none is left
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert _refused(server.url)


def _group_members(pgid: int) -> dict:
    ps = subprocess.run(["ps", "-eo", "pid=,pgid=,args="], capture_output=True, text=True, check=True).stdout
    members = {}
    for line in ps.splitlines():
        pid, group, args = line.split(None, 2)
        if int(group) == pgid:
            members[int(pid)] = args
    return members


def test_stop_ends_the_server_when_the_wrapper_that_started_it_is_gone():
    argv = ["sh", "-c", f"{shlex.quote(NODE)} {shlex.quote(str(CLI))} --port 0 --db :memory: & wait"]
    server = MockServer.start(argv)
    group = _group_members(server.pid)
    os.kill(server.pid, signal.SIGKILL)  # the wrapper dies; node, in its group, runs on
    server._process.wait(10)
    assert urllib.request.urlopen(f"{server.url}/healthz", timeout=5).status == 200
    server.stop()
    assert "shutdown complete" in server.output()  # SIGTERM, not the SIGKILL after the timeout
    for pid in group:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
