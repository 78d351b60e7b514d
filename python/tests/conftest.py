"""Shared set-up of the plugin's own tests.

Inside the repository the server is the one built from this checkout (`npm run build` makes
dist/cli.js), unless ASSISTANTS_MOCK_URL or ASSISTANTS_MOCK_COMMAND say otherwise. `pytester` runs
inner pytest sessions, the way a user's suite would load the plugin.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shlex
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]

# The plugin from this checkout, without installing it (pip may have no index to build from); when
# it is installed, its entry point loads it already and loading it twice would be an error.
try:
    importlib.metadata.distribution("pytest-assistants-mock")
    INSTALLED = True
except importlib.metadata.PackageNotFoundError:
    INSTALLED = False
    sys.path.insert(0, str(REPO / "python" / "src"))
pytest_plugins = ["pytester"] if INSTALLED else ["pytester", "pytest_assistants_mock.plugin"]
CLI = REPO / "dist" / "cli.js"
NODE = shutil.which("node") or "node"


def cli_command(*extra: str) -> str:
    """The repository's own CLI on a free port with a throw-away database."""
    argv = [NODE, str(CLI), "--port", "0", "--db", ":memory:", "--log-level", "warn", *extra]
    return shlex.join(argv)


if not os.environ.get("ASSISTANTS_MOCK_URL") and not os.environ.get("ASSISTANTS_MOCK_COMMAND") and CLI.exists():
    os.environ["ASSISTANTS_MOCK_COMMAND"] = cli_command()

Api = Callable[..., Tuple[int, Any]]


def http(url: str, method: str = "GET", body: Any = None, api_key: Optional[str] = None, headers: Optional[dict] = None) -> Tuple[int, Any]:
    """One request with the standard library; answers (status, parsed JSON), error statuses included."""
    sent = {"content-type": "application/json", **(headers or {})}
    if api_key:
        sent["authorization"] = f"Bearer {api_key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def api(assistants_mock) -> Api:
    """Calls the OpenAI routes as the test's tenant: api("POST", "/assistants", {...}) -> (status, json)."""

    def call(method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        return http(f"{assistants_mock.base_url}{path}", method, body, assistants_mock.api_key, {"openai-beta": "assistants=v2"})

    return call


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Runs a pytest session in a subprocess with the plugin loaded as a user's suite would."""
    src = str(REPO / "python" / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))

    def run(*args: str) -> pytest.RunResult:
        plugin = [] if INSTALLED else ["-p", "pytest_assistants_mock.plugin"]
        return pytester.runpytest_subprocess(*plugin, "-p", "no:cacheprovider", *args)

    return run
