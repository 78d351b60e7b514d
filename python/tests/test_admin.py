"""The `admin` helpers against the real server, each as the test's own tenant."""

from __future__ import annotations

import time

import pytest

from pytest_assistants_mock import AdminError

RULE = {"name": "greet", "match": {"message": {"contains": "hello"}}, "turns": [{"text": "Hi there."}]}


def test_scenarios_add_list_get_remove_clear(assistants_mock):
    admin = assistants_mock.admin
    [added] = admin.scenarios.add(RULE)
    assert added["name"] == "greet"
    admin.scenarios.add({**RULE, "name": "one"}, {**RULE, "name": "two"})
    runtime = [s["name"] for s in admin.scenarios.list() if s["source"] == "runtime"]
    assert sorted(runtime) == ["greet", "one", "two"]
    assert admin.scenarios.get("one")["turns"] == [{"text": "Hi there."}]
    admin.scenarios.remove("one")
    with pytest.raises(AdminError) as raised:
        admin.scenarios.get("one")
    assert raised.value.status == 404
    admin.scenarios.clear()
    assert [s for s in admin.scenarios.list() if s["source"] == "runtime"] == []


def test_a_bad_scenario_raises_with_the_servers_message(assistants_mock):
    with pytest.raises(AdminError) as raised:
        assistants_mock.admin.scenarios.add({"name": "bad", "turns": [{"fail": {"code": "boom"}}]})
    assert raised.value.status == 400
    assert raised.value.body["error"]["code"] == "invalid_scenario"
    assert "turns[0].fail.code" in str(raised.value)


def test_scenarios_are_the_tenants_own(assistants_mock, assistants_mock_server):
    from pytest_assistants_mock import AdminClient

    assistants_mock.admin.scenarios.add(RULE)
    other = AdminClient(assistants_mock_server.url, "test-someone-else")
    assert [s for s in other.scenarios.list() if s["source"] == "runtime"] == []


def test_a_fault_fails_requests_then_stops(assistants_mock, api):
    admin = assistants_mock.admin
    fault = admin.faults.add(method="GET", path="/v1/assistants", status=429, count=1)
    assert fault["remaining"] == 1
    status, body = api("GET", "/assistants")
    assert status == 429
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert api("GET", "/assistants")[0] == 200
    [listed] = admin.faults.list()
    assert (listed["hits"], listed["remaining"]) == (1, 0)
    admin.faults.remove(listed["id"])
    assert admin.faults.list() == []
    admin.faults.add({"path": "/v1/files", "status": 500})
    admin.faults.clear()
    assert admin.faults.list() == []


def test_the_request_journal_lists_counts_and_filters(assistants_mock, api):
    admin = assistants_mock.admin
    assert api("POST", "/assistants", {"model": "gpt-4o", "name": "journal"})[0] == 200
    assert api("GET", "/assistants")[0] == 200
    assert api("GET", "/assistants/asst_missing")[0] == 404
    assert admin.requests.count() == 3
    assert admin.requests.count(method="POST") == 1
    assert admin.requests.count(status=404) == 1
    [created] = admin.requests.list(method="POST", path="/v1/assistants")
    assert created["body"] == {"model": "gpt-4o", "name": "journal"}
    assert len(admin.requests.list(limit=2)) == 2
    admin.requests.clear()
    assert admin.requests.count() == 0


def test_the_clock_moves_forward(assistants_mock):
    clock = assistants_mock.admin.clock
    before = clock.get()["now"]
    after = clock.advance(seconds=600)["now"]
    assert after >= before + 600
    assert clock.advance(ms=1000)["now"] >= after + 1
    with pytest.raises(ValueError):
        clock.advance()


def test_runs_can_be_driven_to_an_ending(assistants_mock, api):
    # A turn that waits an hour on the server's clock keeps the run in progress until the test acts.
    assistants_mock.admin.scenarios.add({"name": "slow", "match": {}, "turns": [{"delay_ms": 3_600_000, "text": "late"}]})
    _, assistant = api("POST", "/assistants", {"model": "gpt-4o"})
    _, run = api("POST", "/threads/runs", {"assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": "hi"}]}})
    deadline = time.monotonic() + 10
    while run["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.02)
        _, run = api("GET", f"/threads/{run['thread_id']}/runs/{run['id']}")
    assert run["status"] == "in_progress"
    ended = assistants_mock.admin.runs.complete(run["id"])
    assert ended["status"] == "completed"
    with pytest.raises(AdminError) as raised:
        assistants_mock.admin.runs.fail(run["id"])
    assert raised.value.status == 400


def test_reset_forgets_the_tenants_objects(assistants_mock, api):
    api("POST", "/assistants", {"model": "gpt-4o"})
    reset = assistants_mock.admin.reset()
    assert reset["object"] == "mock.reset"
    assert reset["deleted"]["rows"]["assistants"] == 1
    assert api("GET", "/assistants")[1]["data"] == []
