"""Several workers on one PostgreSQL queue, one killed mid-job: every job still completes exactly
once. Expects an API-only server (`serve --workers 0`) on ZOETROPE_URL and the PostgreSQL URL in
ZOETROPE_DATABASE; starts the workers itself with ZOETROPE_BINARY."""
import os
import signal
import subprocess
import time

import openai

from common import KEY, URL, Tally, expect, probe, wait_for

DATABASE = os.environ["ZOETROPE_DATABASE"]
BINARY = os.environ["ZOETROPE_BINARY"]
LOGS = os.environ.get("ZOETROPE_ARTIFACTS", "out/test-artifacts")
client = openai.OpenAI(base_url=URL + "/v1", api_key=KEY or "unused", max_retries=0, timeout=60)


def psql(sql):
    result = subprocess.run(["psql", DATABASE, "-At", "-F", "|", "-c", sql], capture_output=True, text=True, check=True)
    return [line.split("|") for line in result.stdout.splitlines() if line]


def start_worker(name):
    log = open(os.path.join(LOGS, f"worker-{name}.log"), "w")
    return subprocess.Popen([BINARY, "worker", "--database", DATABASE, "--lease", "3"], stdout=log, stderr=subprocess.STDOUT)


def killed_worker():
    os.makedirs(LOGS, exist_ok=True)
    workers = [start_worker("a"), start_worker("b")]
    try:
        ids = [client.videos.create(prompt=f"job {n}: a ball rolling", extra_body={"steps": 12, "seed": n}).id for n in range(6)]
        # Wait until both workers hold a job, then kill one of them with SIGKILL: no goodbye, no clean-up.
        running = wait_for(lambda: (rows := psql("SELECT id, worker_id FROM video_jobs WHERE status = 'in_progress'"))
                           and len(rows) >= 2 and rows, 120, "two jobs in progress")
        pids = {worker.pid: worker for worker in workers}
        victim_job, victim_worker = running[0]
        victim_pid = int(victim_worker.split("-")[-3])
        expect(victim_pid in pids, f"worker id {victim_worker} names no worker of ours")
        pids[victim_pid].send_signal(signal.SIGKILL)
        pids[victim_pid].wait()
        print(f"     killed worker {victim_pid} while it ran {victim_job}")
        for video_id in ids:
            video = client.videos.poll(video_id, poll_interval_ms=250)
            expect(video.status == "completed", f"{video_id}: {video.status} {video.error}")
        rows = psql("SELECT id, status, completions, attempts FROM video_jobs")
        by_id = {row[0]: row for row in rows}
        for video_id in ids:
            _, status, completions, attempts = by_id[video_id]
            expect(status == "completed" and completions == "1", f"{video_id}: {status}, completed {completions} times")
        expect(int(by_id[victim_job][3]) >= 2, f"the killed worker's job was claimed {by_id[victim_job][3]} times")
        _, width, height, frames = probe(client.videos.download_content(victim_job).read())
        expect((width, height, frames) == (256, 256, 17), f"re-run video {width}x{height} {frames}")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


tally = Tally()
tally.run("killed_worker", killed_worker)
tally.finish()
