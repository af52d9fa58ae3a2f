"""Submit a recording to Cultivate, wait for its job, and download the result and the clips.

    pip install -e clients/python
    export CULTIVATE_API_KEY=cvk_...
    python clients/examples/submit_and_wait.py lesson.mp4 --base-url https://cultivate.example --out lesson

It polls the job every few seconds. A server that can take requests may register a webhook
instead (POST /api/v1/webhooks, see docs/webhooks.md) and fetch the artifacts when
`job.succeeded` arrives; the download part stays the same.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
import time
from pathlib import Path

import httpx
from cultivate_client import AuthenticatedClient
from cultivate_client.api.jobs import jobs_artifacts, jobs_create, jobs_retrieve
from cultivate_client.models import Error, JobOutput, JobSubmitInputRequest, StatusEnum
from cultivate_client.types import File

FINISHED = {StatusEnum.SUCCEEDED, StatusEnum.FAILED, StatusEnum.CANCELLED}
WANTED = {"result", "clip"}  # also on offer: "thumbnail", "captions"


def main() -> None:
    args = parse_args()
    if not args.key:
        sys.exit("No API key: set CULTIVATE_API_KEY or pass --key.")
    client = AuthenticatedClient(
        base_url=args.base_url, token=args.key, timeout=httpx.Timeout(60.0), raise_on_unexpected_status=True
    )
    with client:
        job = submit(client, args.file)
        print(f"Submitted {args.file.name} as job {job.id}")
        job = wait(client, job, args.timeout, args.interval)
        if job.status != StatusEnum.SUCCEEDED:
            reason = f": {job.error.message} ({job.error.code})" if job.error else ""
            sys.exit(f"Job {job.id} {job.status}{reason}")
        artifacts = checked(jobs_artifacts.sync(job.id, client=client))
    for artifact in artifacts:
        if artifact.kind in WANTED:
            path = download(artifact.url, args.out / artifact.name)
            print(f"Saved {path} ({artifact.size_bytes} bytes)")


def submit(client: AuthenticatedClient, path: Path) -> JobOutput:
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with path.open("rb") as f:
        body = JobSubmitInputRequest(file=File(payload=f, file_name=path.name, mime_type=mime_type))
        return checked(jobs_create.sync(client=client, body=body))


def wait(client: AuthenticatedClient, job: JobOutput, timeout: float, interval: float) -> JobOutput:
    """Poll the job until it has finished, printing each change of stage or progress."""
    deadline = time.monotonic() + timeout
    seen = None
    while True:
        if (job.status, job.stage_label, job.progress) != seen:
            seen = (job.status, job.stage_label, job.progress)
            print(f"  {job.status:<9} {job.progress:3d}%  {job.stage_label}")
        if job.status in FINISHED:
            return job
        if time.monotonic() > deadline:
            sys.exit(f"Job {job.id} is still {job.status} after {timeout:g} s; look again later.")
        time.sleep(interval)
        job = checked(jobs_retrieve.sync(job.id, client=client))


def download(url: str, path: Path) -> Path:
    """Fetch a signed link. It needs no key, so none is sent (it may point at a storage bucket)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with httpx.stream("GET", url, timeout=60.0, follow_redirects=True) as response:
        response.raise_for_status()
        with path.open("wb") as f:
            for chunk in response.iter_bytes():
                f.write(chunk)
    return path


def checked(parsed):
    """The parsed body of a successful call; the API's error message otherwise."""
    if isinstance(parsed, Error):
        sys.exit(f"Cultivate said: {parsed.error.message} ({parsed.error.code})")
    return parsed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="the recording to analyse")
    parser.add_argument("--base-url", default="http://localhost:8000")
    parser.add_argument("--key", default=os.environ.get("CULTIVATE_API_KEY"), help="default: $CULTIVATE_API_KEY")
    parser.add_argument("--out", type=Path, default=Path("cultivate-results"), help="folder for the downloads")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the job (default 3600)")
    parser.add_argument("--interval", type=float, default=5, help="seconds between polls (default 5)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
