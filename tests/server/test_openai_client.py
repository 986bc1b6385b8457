"""The official `openai` client (and raw HTTP where the client cannot go) against a running
`zoetrope serve` with the bundled model: create, poll, list, download, remix, extend, edit, delete,
errors in OpenAI's envelope, byte ranges and the progress stream."""
import base64
import json

import httpx
import openai

from common import HEADERS, KEY, URL, Tally, envelope, expect, png, probe, wait_for

client = openai.OpenAI(base_url=URL + "/v1", api_key=KEY or "unused", max_retries=0, timeout=120)
raw = httpx.Client(base_url=URL, headers=HEADERS, timeout=120)
FAST = {"steps": 4}  # Zoetrope's extension: few steps keep the suite quick
state = {}


def text_video():
    video = client.videos.create_and_poll(prompt="a red ball bouncing on green grass", size="256x256", seconds="2",
                                          extra_body={**FAST, "seed": 7}, poll_interval_ms=200)
    expect(video.status == "completed", f"status {video.status}, error {video.error}")
    expect(video.progress == 100, f"progress {video.progress}")
    expect((video.size, video.seconds, video.object) == ("256x256", "2", "video"), f"{video.size} {video.seconds}")
    expect(video.completed_at is not None and video.completed_at >= video.created_at, "completed_at")
    expect(video.error is None and video.remixed_from_video_id is None, "nulls")
    content = client.videos.download_content(video.id)
    data = content.read()
    expect(data[4:8] == b"ftyp", "not an MP4")
    codec, width, height, frames = probe(data)
    expect((codec, width, height, frames) == ("h264", 256, 256, 17), f"{codec} {width}x{height} {frames} frames")
    state["video"] = video.id
    state["mp4"] = data


def thumbnails():
    for variant in ("thumbnail", "spritesheet"):
        data = client.videos.download_content(state["video"], variant=variant).read()
        expect(data[:4] == b"RIFF" and data[8:12] == b"WEBP", f"{variant} is not WebP")


def retrieve_and_poll_header():
    video = client.videos.retrieve(state["video"])
    expect(video.id == state["video"] and video.status == "completed", "retrieve")
    queued = client.videos.with_raw_response.create(prompt="a blue cube", extra_body=FAST)
    job = queued.parse()
    expect(job.status in ("queued", "in_progress"), f"new job status {job.status}")
    response = raw.get(f"/v1/videos/{job.id}")
    if response.json()["status"] in ("queued", "in_progress"):
        expect(int(response.headers["openai-poll-after-ms"]) > 0, "openai-poll-after-ms missing")
    state["second"] = job.id
    done = client.videos.poll(job.id, poll_interval_ms=200)
    expect(done.status == "completed", f"second video {done.status}: {done.error}")


def list_pages():
    ids = [client.videos.create(prompt=f"a yellow star number {n}", extra_body=FAST).id for n in range(3)]
    listed = [video.id for video in client.videos.list(limit=2, order="asc")]
    expect(all(i in listed for i in ids + [state["video"]]), "list misses a video")
    order = [listed.index(i) for i in ids]
    expect(order == sorted(order), "ascending order")
    page = client.videos.list(limit=2, order="desc")
    expect(len(page.data) == 2 and page.has_more, "first desc page")
    expect(page.data[0].created_at >= page.data[1].created_at, "descending order")
    newest = [video.id for video in client.videos.list(limit=100, order="desc").data]
    expect(newest[:3] == list(reversed(ids)), f"newest first: {newest[:3]} vs {ids}")
    for i in ids:
        client.videos.poll(i, poll_interval_ms=200)


def image_to_video():
    image = png(256, 256, "red")
    video = client.videos.create_and_poll(prompt="the picture comes alive", input_reference=("red.png", image, "image/png"),
                                          size="256x256", seconds="2", extra_body=FAST, poll_interval_ms=200)
    expect(video.status == "completed", f"{video.status}: {video.error}")
    # The first frame keeps the image: mostly red.
    data = client.videos.download_content(video.id).read()
    frame = __import__("subprocess").run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-frames:v", "1", "-f", "rawvideo",
                                          "-pix_fmt", "rgb24", "pipe:1"], input=data, capture_output=True, check=True).stdout
    pixels = len(frame) // 3
    red = sum(frame[0::3]) / pixels
    green = sum(frame[1::3]) / pixels
    expect(red > 150 and green < 100, f"first frame mean red {red:.0f}, green {green:.0f}")


def image_as_data_url():
    url = "data:image/png;base64," + base64.b64encode(png(64, 64, "blue")).decode()
    response = raw.post("/v1/videos", json={"prompt": "blue", "input_reference": {"image_url": url}, **FAST})
    expect(response.status_code == 200, response.text)
    expect(response.json()["status"] == "queued", "queued")
    client.videos.poll(response.json()["id"], poll_interval_ms=200)


def not_an_image():
    response = raw.post("/v1/videos", data={"prompt": "x"}, files={"input_reference": ("a.png", b"#!/bin/sh\nrm -rf /\n", "image/png")})
    envelope(response, 400, code="invalid_image", param="input_reference")
    forged = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the right magic, then garbage
    response = raw.post("/v1/videos", data={"prompt": "x"}, files={"input_reference": ("a.png", forged, "image/png")})
    envelope(response, 400, code="invalid_image", param="input_reference")
    response = raw.post("/v1/videos", json={"prompt": "x", "input_reference": {"image_url": "http://127.0.0.1:1/x.png"}})
    envelope(response, 400, code="invalid_image_url")


def remix_extend_edit():
    remix = client.videos.remix(state["video"], prompt="a blue ball bouncing on green grass", extra_body=FAST)
    expect(remix.remixed_from_video_id == state["video"], "remixed_from_video_id")
    # A video of the server is referenced as {"id": ...}, which SDK 3.57 sends only as JSON (its
    # multipart encoder refuses a dict), so raw HTTP; the client's own form uploads the file.
    extended = raw.post("/v1/videos/extensions", json={"video": {"id": state["video"]}, "prompt": "the ball rolls away",
                                                       "seconds": "1", **FAST}).json()
    edited = raw.post("/v1/videos/edits", json={"video": {"id": state["video"]}, "prompt": "at night", **FAST}).json()
    uploaded = ("ball.mp4", state["mp4"], "video/mp4")
    extended_upload = client.videos.extend(video=uploaded, prompt="the ball rolls away", seconds="1", extra_body=FAST)
    edited_upload = client.videos.edit(video=uploaded, prompt="at night", extra_body=FAST)
    cases = ((remix.id, 17, "2"), (extended["id"], 25, "3"), (edited["id"], 17, "2"),
             (extended_upload.id, 25, "3"), (edited_upload.id, 17, "2"))
    for video_id, frames, seconds in cases:
        done = client.videos.poll(video_id, poll_interval_ms=200)
        expect(done.status == "completed", f"{video_id}: {done.status} {done.error}")
        expect(done.seconds == seconds, f"{video_id} seconds {done.seconds}, expected {seconds}")
        _, width, height, count = probe(client.videos.download_content(video_id).read())
        expect((width, height, count) == (256, 256, frames), f"{video_id}: {width}x{height} {count} frames, expected {frames}")
    response = raw.post("/v1/videos/edits", data={"prompt": "x"}, files={"video": ("a.mp4", b"\x00" * 64, "video/mp4")})
    envelope(response, 400, code="invalid_video", param="video")


def errors():
    try:
        client.videos.create(prompt="x", size="100x100")
        raise AssertionError("size 100x100 accepted")
    except openai.BadRequestError as error:
        expect(error.status_code == 400 and error.param == "size", f"{error.param} {error.code}")
    try:
        client.videos.create(prompt="x", seconds="1.3")
        raise AssertionError("seconds 1.3 accepted")
    except openai.BadRequestError as error:
        expect(error.param == "seconds", f"param {error.param}")
    try:
        client.videos.create(prompt="x", model="sora-2")
        raise AssertionError("model sora-2 accepted")
    except openai.BadRequestError as error:
        expect(error.code == "model_not_found", f"code {error.code}")
    try:
        client.videos.retrieve("video_does_not_exist")
        raise AssertionError("an unknown video was found")
    except openai.NotFoundError as error:
        expect(error.code == "video_not_found", f"code {error.code}")
    envelope(raw.post("/v1/videos", json={"prompt": ""}), 400, param="prompt")
    envelope(raw.post("/v1/videos", content=b"{not json", headers={"content-type": "application/json"}), 400, code="invalid_json")
    envelope(raw.post("/v1/videos", json={"prompt": "x", "size": "99999999999999999999x1"}), 400, param="size")
    envelope(raw.post("/v1/videos", json={"prompt": "x", "seconds": "1e400"}), 400, param="seconds")
    envelope(raw.post("/v1/videos", json={"prompt": "x", "steps": 0}), 400, param="steps")
    envelope(raw.get("/v1/videos", params={"limit": 101}), 400, param="limit")
    envelope(raw.get("/v1/videos", params={"after": "video_nope"}), 400, param="after")
    envelope(raw.get(f"/v1/videos/{state['video']}/content", params={"variant": "../../etc/passwd"}), 400, param="variant")
    envelope(raw.post("/v1/videos/characters", data={"name": "x"}, files={"video": ("a.mp4", b"x", "video/mp4")}), 400)
    envelope(raw.get("/v1/nothing/here"), 404)
    envelope(raw.post("/v1/videos", content=b"x" * (26 << 20), headers={"content-type": "application/json"}), 413)


def authentication():
    if not KEY:
        return
    envelope(httpx.get(URL + "/v1/videos"), 401, code="missing_api_key")
    envelope(httpx.get(URL + "/v1/videos", headers={"Authorization": "Bearer wrong"}), 401, code="invalid_api_key")
    try:
        openai.OpenAI(base_url=URL + "/v1", api_key="wrong", max_retries=0).videos.list()
        raise AssertionError("a wrong key was accepted")
    except openai.AuthenticationError:
        pass


def byte_ranges():
    whole = state["mp4"]
    response = raw.get(f"/v1/videos/{state['video']}/content", headers={"Range": "bytes=0-99"})
    expect(response.status_code == 206, f"status {response.status_code}")
    expect(response.headers["content-range"] == f"bytes 0-99/{len(whole)}", response.headers.get("content-range"))
    expect(response.content == whole[:100], "range bytes differ")
    response = raw.get(f"/v1/videos/{state['video']}/content", headers={"Range": "bytes=-10"})
    expect(response.status_code == 206 and response.content == whole[-10:], "suffix range")
    response = raw.get(f"/v1/videos/{state['video']}/content", headers={"Range": f"bytes={len(whole)}-"})
    envelope(response, 416)
    expect(response.headers["content-range"] == f"bytes */{len(whole)}", "416 content-range")
    response = raw.get(f"/v1/videos/{state['video']}/content", headers={"Accept": "application/binary"})
    expect(response.status_code == 200 and response.headers["accept-ranges"] == "bytes", "accept-ranges")


def progress_stream():
    job = client.videos.create(prompt="a green square spinning", extra_body={"steps": 8})
    progress, statuses = [], []
    with raw.stream("GET", f"/v1/videos/{job.id}/events") as response:
        expect(response.headers["content-type"].startswith("text/event-stream"), "content type")
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "video":
                video = json.loads(line[6:])
                progress.append(video["progress"])
                statuses.append(video["status"])
    expect(statuses[-1] == "completed", f"last status {statuses[-1]}")
    expect(progress == sorted(progress), f"progress went back: {progress}")
    expect(progress[-1] == 100 and len(set(progress)) >= 3, f"progress {progress}")
    state["streamed"] = job.id


def content_before_completion():
    job = client.videos.create(prompt="a white circle", extra_body={"steps": 30})
    response = raw.get(f"/v1/videos/{job.id}/content")
    if raw.get(f"/v1/videos/{job.id}").json()["status"] != "completed":
        envelope(response, 404, code="video_not_ready")
    client.videos.delete(job.id)


def delete():
    deleted = client.videos.delete(state["streamed"])
    expect(deleted.deleted and deleted.id == state["streamed"] and deleted.object == "video.deleted", f"{deleted}")
    envelope(raw.get(f"/v1/videos/{state['streamed']}/content"), 404, code="video_not_found")
    try:
        client.videos.delete(state["streamed"])
        raise AssertionError("deleted twice")
    except openai.NotFoundError:
        pass


def models():
    body = raw.get("/v1/models").json()
    expect(body["object"] == "list" and body["data"][0]["size"] == "256x256", f"{body}")


tally = Tally()
for check in (models, text_video, thumbnails, retrieve_and_poll_header, list_pages, image_to_video, image_as_data_url,
              not_an_image, remix_extend_edit, errors, authentication, byte_ranges, progress_stream,
              content_before_completion, delete):
    tally.run(check.__name__, check)
tally.finish()
