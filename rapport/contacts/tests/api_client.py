"""A test client for the API, signed in with a bearer token (shared by the contacts and activities API tests)."""

import json

from tests.factories import api_token


class Api:
    """Requests as ``user``, with their own API token."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.headers = {"Authorization": f"Bearer {api_token(user)}"}

    def _headers(self, extra):
        return {**self.headers, **(extra or {})}

    def get(self, url, params=None, headers=None):
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def post(self, url, data=None, headers=None):
        return self.client.post(
            url, json.dumps(data or {}), content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, url, data, headers=None):
        return self.client.patch(url, json.dumps(data), content_type="application/json", headers=self._headers(headers))

    def put(self, url, data, headers=None):
        return self.client.put(url, json.dumps(data), content_type="application/json", headers=self._headers(headers))

    def delete(self, url, headers=None):
        return self.client.delete(url, headers=self._headers(headers))

    def ids(self, url, params=None) -> list[int]:
        """The ids of every page of a list, following ``next``."""
        params = {"limit": 200, **(params or {})}
        out = []
        while True:
            response = self.get(url, params)
            assert response.status_code == 200, response.content
            body = response.json()
            out += [item["id"] for item in body["items"]]
            if not body["next"]:
                return out
            params["cursor"] = body["next"]


def problem(response, status: int, code: str | None = None) -> dict:
    """Assert ``response`` is a problem document with this status (and code); return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body
