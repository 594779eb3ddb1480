"""An S3 endpoint for tests: moto's server (Apache-2.0) on a free loopback port, with one bucket.

It runs in a child process, not as moto's in-process ``ThreadedMotoServer``: delta-rs blocks in some calls
(``DeltaTable.is_deltatable``) without releasing the GIL, so a server thread in the same interpreter could
never answer them and the test would hang.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

KEY_ID, SECRET = "lam-test-key", "lam-test-secret"
REGION = "us-east-1"


@dataclass
class S3Endpoint:
    url: str
    bucket: str
    process: subprocess.Popen

    def storage(self):
        """The ``lake_storage`` settings that reach this endpoint."""
        from lam_models.lake_location import LakeStorageSettings

        return LakeStorageSettings(endpoint=self.url, region=REGION, path_style_access=True,
                                   access_key_id=KEY_ID, secret_access_key=SECRET)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.url, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    def keys(self, prefix: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start(bucket: str = "lam-lake", timeout_s: float = 60) -> S3Endpoint:
    """Start moto's S3 server on a free port and create ``bucket``; raises when it does not answer in time."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = S3Endpoint(f"http://127.0.0.1:{port}", bucket, process)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(f"{endpoint.url}/moto-api/", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                endpoint.stop()
                raise RuntimeError(f"moto's S3 server did not start on port {port}") from None
            time.sleep(0.2)
    endpoint.client().create_bucket(Bucket=bucket)
    return endpoint
