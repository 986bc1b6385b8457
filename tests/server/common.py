"""What the server tests share: the server's address and key, small checks, a result tally."""
import json
import os
import subprocess
import sys
import time

import httpx

URL = os.environ.get("ZOETROPE_URL", "http://127.0.0.1:8080").rstrip("/")
KEY = os.environ.get("ZOETROPE_API_KEY", "")
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}


class Tally:
    """Runs named checks, prints each, and ends with the plain 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, check):
        started = time.monotonic()
        try:
            check()
        except Exception as error:  # a failed check is reported, the others still run
            self.failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def envelope(response, status, code=None, param=None):
    """Checks an error response: status, and OpenAI's envelope with its four keys."""
    expect(response.status_code == status, f"status {response.status_code}, expected {status}: {response.text[:300]}")
    body = response.json()
    error = body.get("error")
    expect(isinstance(error, dict), f"no error envelope: {body}")
    expect(set(error) == {"message", "type", "param", "code"}, f"envelope keys {sorted(error)}")
    expect(isinstance(error["message"], str) and error["message"], "empty message")
    if code is not None:
        expect(error["code"] == code, f"code {error['code']!r}, expected {code!r}")
    if param is not None:
        expect(error["param"] == param, f"param {error['param']!r}, expected {param!r}")
    return error


def probe(video_bytes):
    """ffprobe's width, height and frame count of an MP4."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,nb_read_frames,codec_name", "-of", "json", "-i", "pipe:0"],
        input=video_bytes, capture_output=True, check=True)
    stream = json.loads(result.stdout)["streams"][0]
    return stream["codec_name"], int(stream["width"]), int(stream["height"]), int(stream["nb_read_frames"])


def png(width, height, colour):
    """A solid-colour PNG made by ffmpeg."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=c={colour}:s={width}x{height}", "-frames:v", "1",
         "-f", "image2pipe", "-c:v", "png", "pipe:1"], capture_output=True, check=True).stdout


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
