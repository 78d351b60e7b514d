"""A scripted tool-calling conversation through the fixture, with the standard library's HTTP client.

The same flow as the README's walkthrough and as test_openai_sdk.py (which drives the real
openai-python SDK when it is installed); this one runs everywhere.
"""

from __future__ import annotations

import json
import time

WEATHER = {
    "name": "weather",
    "match": {"message": {"contains": "weather", "ignore_case": True}},
    "turns": [
        {"tool_calls": [{"function": "get_weather", "arguments": {"city": "Paris"}}]},
        {"text": "It is {{tool_outputs.0.output}} in Paris."},
    ],
}
GET_WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


def _poll(api, thread_id, run):
    deadline = time.monotonic() + 10
    while run["status"] in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.01)
        _, run = api("GET", f"/threads/{thread_id}/runs/{run['id']}")
    return run


def test_a_scripted_tool_call_round_trip(assistants_mock, api):
    assistants_mock.admin.scenarios.add(WEATHER)
    _, assistant = api("POST", "/assistants", {"model": "gpt-4o", "tools": [GET_WEATHER]})
    _, thread = api("POST", "/threads", {"messages": [{"role": "user", "content": "What's the weather?"}]})
    _, run = api("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    run = _poll(api, thread["id"], run)
    assert run["status"] == "requires_action"
    [call] = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    status, run = api(
        "POST",
        f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": call["id"], "output": "18°C"}]},
    )
    assert status == 200
    assert _poll(api, thread["id"], run)["status"] == "completed"
    _, messages = api("GET", f"/threads/{thread['id']}/messages")
    assert messages["data"][0]["content"][0] == {"type": "text", "text": {"value": "It is 18°C in Paris.", "annotations": []}}
    [sent] = assistants_mock.admin.requests.list(method="POST", path="submit_tool_outputs")
    assert sent["body"]["tool_outputs"][0]["output"] == "18°C"
