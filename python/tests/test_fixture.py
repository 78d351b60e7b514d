"""The fixtures as a user's suite meets them: inner pytest sessions run in a subprocess (pytester)."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request

from conftest import cli_command, http

from pytest_assistants_mock import AdminClient, MockServer

RECORD = """
import json, os

def record(mock, server):
    with open(os.environ["RECORD_TO"], "a") as out:
        out.write(json.dumps({"url": mock.url, "base_url": mock.base_url, "api_key": mock.api_key,
                              "pid": server.pid}) + "\\n")
"""


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_one_server_for_the_session_a_fresh_tenant_for_each_test(inner, pytester, monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANTS_MOCK_URL", raising=False)
    monkeypatch.setenv("ASSISTANTS_MOCK_COMMAND", cli_command())
    monkeypatch.setenv("RECORD_TO", str(tmp_path / "seen.jsonl"))
    pytester.makepyfile(
        helper=RECORD,
        test_inner="""
from helper import record

def test_a(assistants_mock, assistants_mock_server):
    record(assistants_mock, assistants_mock_server)

def test_b(assistants_mock, assistants_mock_server):
    record(assistants_mock, assistants_mock_server)

def test_c(assistants_mock, assistants_mock_server):
    record(assistants_mock, assistants_mock_server)
""",
    )
    result = inner()
    result.assert_outcomes(passed=3)
    seen = _records(tmp_path / "seen.jsonl")
    assert len({s["url"] for s in seen}) == 1, "one server for the whole session"
    assert len({s["api_key"] for s in seen}) == 3, "a tenant of its own for every test"
    for s in seen:
        assert re.fullmatch(r"test-[0-9a-f-]{36}", s["api_key"])
        assert s["base_url"] == s["url"] + "/v1"
    # Started by the session, so stopped with it.
    assert not _alive(seen[0]["pid"])
    try:
        urllib.request.urlopen(seen[0]["url"] + "/healthz", timeout=2)
        raise AssertionError("the server still answers after the session")
    except urllib.error.URLError:
        pass


def test_a_running_server_is_used_by_url_and_each_tenant_is_reset_after_its_test(
    inner, pytester, monkeypatch, tmp_path, assistants_mock_server
):
    # Given with /v1 and a slash, as a copy of the base URL would be: the plugin takes the root.
    monkeypatch.setenv("ASSISTANTS_MOCK_URL", assistants_mock_server.url + "/v1/")
    monkeypatch.setenv("ASSISTANTS_MOCK_COMMAND", "assistants-mock-must-not-be-started")
    monkeypatch.setenv("RECORD_TO", str(tmp_path / "seen.jsonl"))
    pytester.makepyfile(
        helper=RECORD,
        test_inner="""
import json, urllib.request
from helper import record

def test_leaves_things_behind(assistants_mock, assistants_mock_server):
    record(assistants_mock, assistants_mock_server)
    assert assistants_mock_server.pid is None  # found, not started
    assistants_mock.admin.scenarios.add({"name": "left", "match": {}, "turns": [{"text": "hi"}]})
    assistants_mock.admin.faults.add(path="/v1/files", status=500)
    request = urllib.request.Request(
        assistants_mock.base_url + "/assistants", method="POST",
        data=json.dumps({"model": "gpt-4o"}).encode(),
        headers={"authorization": "Bearer " + assistants_mock.api_key, "content-type": "application/json"})
    assert urllib.request.urlopen(request).status == 200
""",
    )
    result = inner()
    result.assert_outcomes(passed=1)
    [seen] = _records(tmp_path / "seen.jsonl")
    assert seen["url"] == assistants_mock_server.url
    key = seen["api_key"]
    admin = AdminClient(seen["url"], key)
    # The tenant was reset after its test: no objects, runtime scenarios, faults or journal.
    status, assistants = http(seen["url"] + "/v1/assistants", api_key=key)
    assert (status, assistants["data"]) == (200, [])
    assert [s for s in admin.scenarios.list() if s.get("source") == "runtime"] == []
    assert admin.faults.list() == []
    assert admin.requests.count() == 1  # the listing just made; the test's own requests are gone
    # The session did not stop a server it did not start.
    with urllib.request.urlopen(assistants_mock_server.url + "/healthz", timeout=5) as response:
        assert response.status == 200


def test_the_admin_key_is_sent_when_configured(inner, pytester, monkeypatch):
    # Resetting every tenant is a server-wide action: with ADMIN_KEY set it always needs x-admin-key.
    server = MockServer.start(cli_command("--admin-key", "sekret"))
    try:
        monkeypatch.setenv("ASSISTANTS_MOCK_URL", server.url)
        pytester.makepyfile(
            test_inner="""
def test_control_calls(assistants_mock):
    assistants_mock.admin.scenarios.add({"name": "s", "match": {}, "turns": [{"text": "hi"}]})
    assert [s["name"] for s in assistants_mock.admin.scenarios.list()] == ["s"]

def test_server_wide_call(assistants_mock):
    assert assistants_mock.admin.reset(all_tenants=True)["scope"] == "all"
"""
        )
        monkeypatch.setenv("ASSISTANTS_MOCK_ADMIN_KEY", "sekret")
        inner().assert_outcomes(passed=2)

        # Without the key the server refuses (at least) the server-wide call, and the error says why.
        monkeypatch.delenv("ASSISTANTS_MOCK_ADMIN_KEY")
        result = inner()
        result.stdout.fnmatch_lines(["*POST /__admin/reset answered 401: Missing or incorrect admin key*"])
        assert "FAILED test_inner.py::test_server_wide_call" in result.stdout.str()

        # The command-line option does the same as the variable.
        inner("--assistants-mock-admin-key=sekret").assert_outcomes(passed=2)
    finally:
        server.stop()


def test_a_server_that_cannot_start_errors_every_test_that_needs_it(inner, pytester, monkeypatch):
    monkeypatch.delenv("ASSISTANTS_MOCK_URL", raising=False)
    monkeypatch.setenv("ASSISTANTS_MOCK_COMMAND", cli_command("--run-mode", "sideways"))
    pytester.makepyfile(
        test_inner="""
def test_one(assistants_mock):
    pass

def test_without_the_mock():
    pass
"""
    )
    result = inner()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ServerStartError*exited with code 1*"])


def test_the_command_option_wins_over_the_variable(inner, pytester, monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANTS_MOCK_URL", raising=False)
    monkeypatch.setenv("ASSISTANTS_MOCK_COMMAND", "assistants-mock-no-such-command")
    pytester.makepyfile(
        test_inner="""
def test_one(assistants_mock):
    assert assistants_mock.admin.clock.get()["object"] == "mock.clock"
"""
    )
    inner(f"--assistants-mock-command={cli_command()}").assert_outcomes(passed=1)
