"""The real S3 server of the tests: SeaweedFS, started by scripts/test on 127.0.0.1:8333
with these keys (scripts/lib.sh), and the app pointed at it. Each test process has its own
bucket, emptied before and after each test that uses it and removed at the end."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from app.core.config import settings
from tests.support.environment import RUN

ENDPOINT = "http://127.0.0.1:8333"
ACCESS_KEY = "videosparring-test"
SECRET_KEY = "videosparring-test-secret-key"
BUCKET = f"vs-{RUN}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()


def client(secret: str = SECRET_KEY) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


def s3_env() -> dict[str, str]:
    """The settings of an app or worker process that keeps its media in the test bucket."""
    return {
        "SPARRING_STORAGE": "s3",
        "SPARRING_S3_ENDPOINT": ENDPOINT,
        "SPARRING_S3_BUCKET": BUCKET,
        "SPARRING_S3_REGION": "us-east-1",
        "SPARRING_S3_ACCESS_KEY": ACCESS_KEY,
        "SPARRING_S3_SECRET_KEY": SECRET_KEY,
    }


def empty_bucket() -> None:
    """The bucket exists and holds nothing."""
    s3 = client()
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        s3.create_bucket(Bucket=BUCKET)
        return
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=BUCKET, Delete={"Objects": keys, "Quiet": True})


def drop_bucket() -> None:
    s3 = client()
    if BUCKET in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        empty_bucket()
        s3.delete_bucket(Bucket=BUCKET)


def object_keys() -> list[str]:
    s3 = client()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@contextmanager
def using_s3(*, emptied: bool = True) -> Iterator[None]:
    """This process's settings (and the environment its worker processes inherit) keep
    media in the test bucket for the block; emptied at its start unless a test filled it
    for the block (a moved installation's media), and at its end."""
    env = s3_env()
    before_env = {name: os.environ.get(name) for name in env}
    before = {name: getattr(settings, name) for name in _fields(env)}
    os.environ.update(env)
    for name, value in _fields(env).items():
        setattr(settings, name, value)
    if emptied:
        empty_bucket()
    try:
        yield
    finally:
        empty_bucket()
        for name, value in before.items():
            setattr(settings, name, value)
        for name, old in before_env.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _fields(env: dict[str, str]) -> dict[str, str]:
    return {name.removeprefix("SPARRING_").lower(): value for name, value in env.items()}
