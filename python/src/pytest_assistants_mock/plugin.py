"""The pytest plugin: a session-wide assistants-mock server and a fresh tenant for every test.

Fixtures:

- ``assistants_mock_server`` (session): the server. From ``--assistants-mock-url`` or
  ``ASSISTANTS_MOCK_URL`` when given (never stopped by the plugin), else started with
  ``--assistants-mock-command`` / ``ASSISTANTS_MOCK_COMMAND`` (default
  ``npx assistants-mock --port 0 --db :memory:``) and stopped when the session ends.
- ``assistants_mock`` (function): ``url``, ``base_url`` (ending ``/v1``), ``api_key`` (a new
  random key, so a tenant of its own) and ``admin`` (the control API for that tenant). The tenant
  is reset after the test.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator, Optional

import pytest

from .admin import AdminClient
from .server import DEFAULT_COMMAND, MockServer


class AssistantsMock:
    """What a test needs to point a client at the mock, as its own tenant."""

    def __init__(self, server: MockServer, api_key: str, admin_key: Optional[str] = None):
        self.server = server
        #: The server's root URL (Azure clients take this as their endpoint).
        self.url = server.url
        #: The OpenAI base URL: ``OpenAI(base_url=mock.base_url, api_key=mock.api_key)``.
        self.base_url = f"{server.url}/v1"
        #: ``test-<uuid>``: a key no other test uses, so objects, scenarios, faults and journal are this test's.
        self.api_key = api_key
        self.admin = AdminClient(server.url, api_key, admin_key)

    @property
    def env(self) -> dict:
        """The variables the OpenAI SDKs read when given no arguments (for ``monkeypatch.setenv``)."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": self.api_key}

    def __repr__(self) -> str:
        return f"AssistantsMock(base_url={self.base_url!r}, api_key={self.api_key!r})"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assistants-mock")
    group.addoption(
        "--assistants-mock-url",
        default=None,
        help="root URL of a running assistants-mock (env ASSISTANTS_MOCK_URL); none starts one",
    )
    group.addoption(
        "--assistants-mock-command",
        default=None,
        help=f"command that starts the server and prints its URL (env ASSISTANTS_MOCK_COMMAND; default: {DEFAULT_COMMAND})",
    )
    group.addoption(
        "--assistants-mock-admin-key",
        default=None,
        help="the server's ADMIN_KEY, sent as x-admin-key on control calls (env ASSISTANTS_MOCK_ADMIN_KEY)",
    )
    group.addoption(
        "--assistants-mock-timeout",
        default=None,
        type=float,
        help="seconds to wait for the server to start and answer /healthz (env ASSISTANTS_MOCK_TIMEOUT; default 60)",
    )


def _setting(config: pytest.Config, option: str, env: str) -> Optional[str]:
    value = config.getoption(option)
    if value is None:
        value = os.environ.get(env) or None
    return value


@pytest.fixture(scope="session")
def assistants_mock_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The assistants-mock server of the session: found by URL, or started and stopped here."""
    timeout = float(_setting(pytestconfig, "assistants_mock_timeout", "ASSISTANTS_MOCK_TIMEOUT") or 60)
    url = _setting(pytestconfig, "assistants_mock_url", "ASSISTANTS_MOCK_URL")
    if url:
        yield MockServer.connect(url, timeout=timeout)
        return
    command = _setting(pytestconfig, "assistants_mock_command", "ASSISTANTS_MOCK_COMMAND") or DEFAULT_COMMAND
    server = MockServer.start(command, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def assistants_mock(pytestconfig: pytest.Config, assistants_mock_server: MockServer) -> Iterator[AssistantsMock]:
    """A fresh tenant on the session's server: ``base_url``, ``api_key``, ``admin``; reset after the test."""
    admin_key = _setting(pytestconfig, "assistants_mock_admin_key", "ASSISTANTS_MOCK_ADMIN_KEY")
    mock = AssistantsMock(assistants_mock_server, f"test-{uuid.uuid4()}", admin_key)
    yield mock
    mock.admin.reset()
