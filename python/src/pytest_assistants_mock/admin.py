"""A small client of the control API (``/__admin``), standard library only.

Every call acts on one tenant: the API key sent as ``Authorization: Bearer KEY``, the same key the
test's OpenAI client uses. With an admin key (the server's ``ADMIN_KEY``) it is also sent as
``x-admin-key``. The routes and their bodies are described in docs/control-api.md.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

Json = Any


class AdminError(RuntimeError):
    """A control call answered with an error status; `status` and `body` (the parsed error) are kept."""

    def __init__(self, method: str, path: str, status: int, body: Json):
        self.status = status
        self.body = body
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else body
        super().__init__(f"{method} /__admin{path} answered {status}: {message}")


class AdminClient:
    """The control API for one tenant: ``scenarios``, ``faults``, ``requests``, ``clock``, ``runs``, ``reset()``."""

    def __init__(self, url: str, api_key: str, admin_key: Optional[str] = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.admin_key = admin_key
        self.timeout = timeout
        self.scenarios = Scenarios(self)
        self.faults = Faults(self)
        self.requests = Requests(self)
        self.clock = Clock(self)
        self.runs = Runs(self)

    def reset(self, all_tenants: bool = False) -> Json:
        """Forgets the tenant's objects, runtime scenarios, faults and journal (every tenant's with all_tenants)."""
        return self.call("POST", "/reset", body={}, query={"scope": "all"} if all_tenants else None)

    def call(
        self,
        method: str,
        path: str,
        body: Json = None,
        query: Optional[Mapping[str, Any]] = None,
    ) -> Json:
        """Sends one control request and answers its parsed JSON; raises AdminError on an error status."""
        url = f"{self.url}/__admin{path}"
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        headers = {"authorization": f"Bearer {self.api_key}", "accept": "application/json"}
        if self.admin_key:
            headers["x-admin-key"] = self.admin_key
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _parse(response.read())
        except urllib.error.HTTPError as error:
            raise AdminError(method, path, error.code, _parse(error.read())) from None


def _parse(raw: bytes) -> Json:
    text = raw.decode("utf-8")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


class Scenarios:
    """Runtime scenario rules of the tenant (docs/scenarios.md has the format)."""

    def __init__(self, admin: AdminClient):
        self._admin = admin

    def add(self, *rules: Mapping[str, Any]) -> List[Json]:
        """Adds one or more rules (a rule with a name already used is replaced); answers them as stored."""
        if not rules:
            raise ValueError("scenarios.add() needs at least one rule")
        body = rules[0] if len(rules) == 1 else {"scenarios": list(rules)}
        return self._admin.call("POST", "/scenarios", body=body)["data"]

    def list(self) -> List[Json]:
        """The rules that apply to the tenant: its runtime rules, then the file rules."""
        return self._admin.call("GET", "/scenarios")["data"]

    def get(self, name: str) -> Json:
        return self._admin.call("GET", f"/scenarios/{_quote(name)}")

    def remove(self, name: str) -> Json:
        return self._admin.call("DELETE", f"/scenarios/{_quote(name)}")

    def clear(self) -> Json:
        """Removes every runtime rule of the tenant (file rules stay)."""
        return self._admin.call("DELETE", "/scenarios")


class Faults:
    """Injected errors and latency (docs/control-api.md, "Faults")."""

    def __init__(self, admin: AdminClient):
        self._admin = admin

    def add(self, fault: Optional[Mapping[str, Any]] = None, **fields: Any) -> Json:
        """Adds a fault, given as a dict or keywords: ``add(path="/v1/assistants", status=429, count=2)``."""
        body: Dict[str, Any] = dict(fault or {})
        body.update(fields)
        return self._admin.call("POST", "/faults", body=body)

    def list(self) -> List[Json]:
        return self._admin.call("GET", "/faults")["data"]

    def remove(self, fault_id: str) -> Json:
        return self._admin.call("DELETE", f"/faults/{_quote(fault_id)}")

    def clear(self) -> Json:
        return self._admin.call("DELETE", "/faults")


class Requests:
    """The request journal: what the code under test sent, newest first."""

    def __init__(self, admin: AdminClient):
        self._admin = admin

    def list(
        self,
        method: Optional[str] = None,
        path: Optional[str] = None,
        status: Optional[int] = None,
        since: Optional[int] = None,
        until: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[Json]:
        """Journal entries; `path` is a substring, a glob with `*`, or a /regular expression/."""
        query = {"method": method, "path": path, "status": status, "since": since, "until": until, "limit": limit}
        return self._admin.call("GET", "/requests", query=query)["data"]

    def count(self, method: Optional[str] = None, path: Optional[str] = None, status: Optional[int] = None) -> int:
        """How many journal entries match (the journal keeps a tenant's last 1,000)."""
        return len(self.list(method=method, path=path, status=status, limit=1000))

    def clear(self) -> Json:
        return self._admin.call("DELETE", "/requests")


class Clock:
    """The server's virtual clock."""

    def __init__(self, admin: AdminClient):
        self._admin = admin

    def get(self) -> Json:
        """``{"now", "now_ms", "offset_ms", ...}``."""
        return self._admin.call("GET", "/clock")

    def advance(self, seconds: Union[int, float, None] = None, ms: Union[int, float, None] = None) -> Json:
        """Moves time forward; timers that fall due (run expiry, scenario delays) fire at once."""
        if seconds is None and ms is None:
            raise ValueError("clock.advance() needs seconds= or ms=")
        body = {k: v for k, v in (("seconds", seconds), ("ms", ms)) if v is not None}
        return self._admin.call("POST", "/clock/advance", body=body)


class Runs:
    """Drives a run to an ending, or one step at a time with RUN_MODE=manual."""

    def __init__(self, admin: AdminClient):
        self._admin = admin

    def _act(self, run_id: str, action: str) -> Json:
        return self._admin.call("POST", f"/runs/{_quote(run_id)}/{action}", body={})

    def complete(self, run_id: str) -> Json:
        return self._act(run_id, "complete")

    def fail(self, run_id: str) -> Json:
        return self._act(run_id, "fail")

    def expire(self, run_id: str) -> Json:
        return self._act(run_id, "expire")

    def advance(self, run_id: str) -> Json:
        return self._act(run_id, "advance")


__all__: Sequence[str] = ["AdminClient", "AdminError"]
