"""POSTs to the Broker over kept-alive `http.client` connections (`protos.http_post`).

`requests` spent about 0.9 ms of CPU per event here, about seven times what the same POST costs
over a kept-alive `http.client` connection (0.13 ms), and the shipper runs inside a serving
process: that CPU came out of the predictions' share of the machine. `PostClient` keeps one
connection per shipping thread and sends a POST once more on a fresh connection when the Broker
closed the kept-alive one while idle (delivery is at least once: consumers deduplicate by id).
"""

from __future__ import annotations

from collections.abc import Mapping

from protos.http_post import PostClient, split_url


class BrokerClient:
    """`post(body, headers)` to one URL; `(status, reason text)` or an `OSError` /
    `http.client.HTTPException` when the Broker cannot be reached."""

    def __init__(self, url: str, timeout: float) -> None:
        try:
            split_url(url)
        except ValueError:
            raise ValueError(f"the broker URL {url!r} is not an http(s) URL") from None
        self.url = url
        self.timeout = timeout
        self._client = PostClient(timeout)

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        response = self._client.post(self.url, body, headers)
        status = response.status
        return status, "" if 200 <= status < 300 else response.body[:500].decode("utf-8", "replace")

    def close(self) -> None:
        self._client.close()
