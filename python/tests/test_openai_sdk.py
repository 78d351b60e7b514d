"""The fixture with the real openai-python SDK: the client takes base_url and api_key as they are.

Skipped, saying why, where openai-python is not installed (`pip install openai`); .ci/run installs
it when the machine's pip can. test_flow.py covers the same flow with the standard library.
"""

from __future__ import annotations

import json

import pytest

try:
    import openai
except ImportError as missing:  # pragma: no cover - depends on the machine
    pytest.skip(f"openai-python is not installed ({missing}); pip install openai to run this test", allow_module_level=True)

from test_flow import GET_WEATHER, WEATHER

# openai-python marks every Assistants method deprecated (in favour of the Responses API); that is
# the point of this mock, not a problem of the test.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The Assistants API is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning"),
]


def test_the_sdk_runs_a_scripted_tool_call_and_retries_a_fault(assistants_mock):
    client = openai.OpenAI(base_url=assistants_mock.base_url, api_key=assistants_mock.api_key, max_retries=2)
    admin = assistants_mock.admin
    admin.scenarios.add(WEATHER)

    assistant = client.beta.assistants.create(model="gpt-4o", tools=[GET_WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "What's the weather?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": call.id, "output": "18°C"}]
    )
    assert run.status == "completed"
    reply = client.beta.threads.messages.list(thread_id=thread.id).data[0]
    assert reply.content[0].text.value == "It is 18°C in Paris."

    # A fault that fires twice: the SDK retries (it obeys retry-after-ms) and succeeds on its third try.
    admin.faults.add(method="GET", path=f"/v1/assistants/{assistant.id}", status=429, count=2, retry_after=0.01)
    assert client.beta.assistants.retrieve(assistant.id).id == assistant.id
    statuses = [entry["status"] for entry in admin.requests.list(path=f"/v1/assistants/{assistant.id}")]
    assert statuses == [200, 429, 429]


def test_the_sdk_reads_the_variables_from_env(assistants_mock, monkeypatch):
    for name, value in assistants_mock.env.items():
        monkeypatch.setenv(name, value)
    created = openai.OpenAI().beta.assistants.create(model="gpt-4o", name="from env")
    assert assistants_mock.admin.requests.count(method="POST", path="/v1/assistants") == 1
    assert created.name == "from env"
