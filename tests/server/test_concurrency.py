"""200 concurrent API calls against a server with no worker and a small queue limit: every create
beyond the limit is the intended 429 (in the envelope, with Retry-After), every other call succeeds.
Expects a fresh server started with --workers 0 and ZOETROPE_QUEUE_LIMIT as its --queue-limit."""
import os
from concurrent.futures import ThreadPoolExecutor

import httpx

from common import HEADERS, URL, Tally, envelope, expect

LIMIT = int(os.environ["ZOETROPE_QUEUE_LIMIT"])
CALLS = 200


def call(index):
    with httpx.Client(base_url=URL, headers=HEADERS, timeout=60) as client:
        kind = index % 4
        if kind in (0, 1):
            return "create", client.post("/v1/videos", data={"prompt": f"concurrent video {index}", "steps": "1"})
        if kind == 2:
            return "list", client.get("/v1/videos", params={"limit": 10})
        return "models", client.get("/v1/models")


def concurrent_calls():
    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        results = list(pool.map(call, range(CALLS)))
    created = [r for kind, r in results if kind == "create" and r.status_code == 200]
    refused = [r for kind, r in results if kind == "create" and r.status_code == 429]
    others = [r for kind, r in results if kind != "create"]
    creates = sum(1 for kind, _ in results if kind == "create")
    expect(len(created) + len(refused) == creates,
           f"unexpected statuses: {sorted({r.status_code for kind, r in results if kind == 'create'})}")
    expect(len(created) == LIMIT, f"{len(created)} creates accepted, the queue limit is {LIMIT}")
    for response in refused:
        envelope(response, 429, code="rate_limit_exceeded")
        expect(int(response.headers["retry-after"]) > 0, "Retry-After")
    expect(all(r.status_code == 200 for r in others), f"other calls: {sorted({r.status_code for r in others})}")
    ids = {r.json()["id"] for r in created}
    listed = httpx.get(URL + "/v1/videos", params={"limit": 100}, headers=HEADERS).json()["data"]
    expect(ids <= {v["id"] for v in listed}, "an accepted video is not listed")
    expect(all(v["status"] == "queued" for v in listed if v["id"] in ids), "with no worker every job stays queued")
    print(f"     {CALLS} calls: {len(created)} created, {len(refused)} refused with 429, {len(others)} reads answered")


tally = Tally()
tally.run("concurrent_calls", concurrent_calls)
tally.finish()
