"""Where the lake lives: a local folder or an object-store URI (``s3a://bucket/prefix``), joined alike.

A local root stays a ``pathlib.Path`` (nothing changes for a lake on a disk or a PVC). A URI becomes a
:class:`LakeUri`, a ``str`` that carries the settings that open it, so every reader and writer handed a
table's location (Spark, delta-rs, the labels and state files) reaches the object store without new
parameters threaded through each call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr

SCHEMES = ("s3a",)


class LakeStorageSettings(BaseModel):
    """How to reach an object-store lake (``lake_root`` = ``s3a://...``); unused for a local lake."""

    endpoint: str | None = Field(None, description="S3 API endpoint URL, e.g. http://minio.storage:9000 (http:// allows plain HTTP); None = AWS S3 of the region")
    region: str = "us-east-1"
    path_style_access: bool = Field(False, description="bucket in the path (endpoint/bucket/key), as MinIO and most S3-compatible servers need; False = virtual-hosted (bucket.endpoint)")
    access_key_id: SecretStr | None = Field(None, description="from the env (LAM_LAKE_STORAGE__ACCESS_KEY_ID, a Secret); None = the AWS default chain (AWS_ACCESS_KEY_ID, web identity, instance role)")
    secret_access_key: SecretStr | None = None

    @property
    def plain_http(self) -> bool:
        return bool(self.endpoint) and self.endpoint.startswith("http://")

    def _keys(self) -> tuple[str, str] | None:
        if self.access_key_id is None or self.secret_access_key is None:
            return None
        return self.access_key_id.get_secret_value(), self.secret_access_key.get_secret_value()

    def delta_options(self) -> dict[str, str]:
        """delta-rs ``storage_options``. Unsafe rename: S3 has no atomic put-if-absent rename, so a commit is
        safe only while one writer commits to a table at a time (ours: one job per table, README "Storage")."""
        options = {"AWS_REGION": self.region, "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
                   "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": str(not self.path_style_access).lower()}
        if self.endpoint:
            options["AWS_ENDPOINT_URL"] = self.endpoint
        if self.plain_http:
            options["AWS_ALLOW_HTTP"] = "true"
        if keys := self._keys():
            options["AWS_ACCESS_KEY_ID"], options["AWS_SECRET_ACCESS_KEY"] = keys
        return options

    def hadoop_options(self) -> dict[str, str]:
        """Hadoop S3A settings (``fs.s3a.*``; Spark takes them as ``spark.hadoop.fs.s3a.*``)."""
        options = {"fs.s3a.endpoint.region": self.region, "fs.s3a.path.style.access": str(self.path_style_access).lower()}
        if self.endpoint:
            options["fs.s3a.endpoint"] = self.endpoint
            options["fs.s3a.connection.ssl.enabled"] = str(not self.plain_http).lower()
        if keys := self._keys():
            options["fs.s3a.access.key"], options["fs.s3a.secret.key"] = keys
            options["fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        return options

    def filesystem(self):
        """A pyarrow ``S3FileSystem`` for whole files under the lake (labels, job state, reports)."""
        from pyarrow import fs

        endpoint = urlsplit(self.endpoint) if self.endpoint else None
        keys = self._keys() or (None, None)
        return fs.S3FileSystem(region=self.region, access_key=keys[0], secret_key=keys[1],
                               endpoint_override=endpoint.netloc if endpoint else None,
                               scheme=endpoint.scheme if endpoint else "https",
                               force_virtual_addressing=not self.path_style_access)


class LakeUri(str):
    """An object-store location and the storage settings that open it (``repr`` shows the URI only)."""

    storage: LakeStorageSettings

    def __new__(cls, uri: str, storage: LakeStorageSettings | None = None) -> LakeUri:
        value = super().__new__(cls, uri.rstrip("/"))
        value.storage = storage or LakeStorageSettings()
        return value

    def __truediv__(self, part: str) -> LakeUri:
        return LakeUri(f"{self}/{str(part).strip('/')}", self.storage)

    def __repr__(self) -> str:
        return f"LakeUri({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return LakeUri, (str(self), self.storage)

    @property
    def scheme(self) -> str:
        return self.split("://", 1)[0]

    @property
    def bucket_key(self) -> str:
        """``bucket/key``: the path pyarrow's S3 filesystem takes."""
        return self.split("://", 1)[1]


Location = Path | LakeUri


def parse(value: Path | str) -> Location:
    """A local path (``file://`` URIs included) as a ``Path``; ``s3a://bucket/prefix`` as a :class:`LakeUri`.

    Raises:
        ValueError: a URI of a scheme the lake cannot use, naming the ones it can.
    """
    if isinstance(value, (Path, LakeUri)):
        return value
    text = str(value)
    if "://" not in text:
        return Path(text)
    scheme = text.split("://", 1)[0].lower()
    if scheme == "file":
        return Path(urlsplit(text).path)
    if scheme not in SCHEMES or not urlsplit(text).netloc:
        raise ValueError(f"lake_root {text!r}: use a local path, file:///path or s3a://bucket/prefix (Hadoop's S3A; "
                         f"s3:// and other schemes are not supported)")
    return LakeUri(text)


def join(root: Path | str, *parts: str) -> Location:
    """``root`` / ``parts``: a ``Path`` under a local root, a :class:`LakeUri` (same storage) under a URI."""
    location = parse(root)
    for part in parts:
        location = location / part
    return location


def is_local(location: Path | str) -> bool:
    """Whether ``location`` is on a local (or mounted) filesystem rather than an object store."""
    return isinstance(parse(location), Path)


def storage_options(location: Path | str) -> dict[str, str] | None:
    """delta-rs ``storage_options`` for ``location``: None for a local path."""
    location = parse(location)
    return location.storage.delta_options() if isinstance(location, LakeUri) else None
