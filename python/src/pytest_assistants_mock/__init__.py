"""pytest-assistants-mock: the assistants-mock server for pytest suites.

Installed with pip, the plugin registers itself (entry point ``pytest11``); the fixtures are
``assistants_mock`` (per test: ``base_url``, ``api_key``, ``admin``) and ``assistants_mock_server``
(per session). The classes are exported for use outside pytest too.
"""

from .admin import AdminClient, AdminError
from .plugin import AssistantsMock
from .server import DEFAULT_COMMAND, MockServer, ServerStartError

__all__ = ["AdminClient", "AdminError", "AssistantsMock", "DEFAULT_COMMAND", "MockServer", "ServerStartError"]
__version__ = "0.1.0"
