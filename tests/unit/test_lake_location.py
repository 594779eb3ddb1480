"""lake_root as a local path or an object-store URI: parsing, joining, the options each client gets."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from lam_models import catalog
from lam_models.lake_location import LakeStorageSettings, LakeUri, is_local, join, parse, storage_options
from lam_models.settings import Settings

STORAGE = LakeStorageSettings(endpoint="http://127.0.0.1:9000", region="eu-west-1", path_style_access=True,
                              access_key_id="key-id", secret_access_key="very-secret")


def test_local_roots_stay_paths_and_join_as_before(tmp_path):
    assert catalog.path(tmp_path, "bronze/news") == tmp_path / "bronze" / "news"
    assert catalog.path(str(tmp_path), "silver/news") == tmp_path / "silver" / "news"
    assert catalog.checkpoint(tmp_path, "ingest", "news") == tmp_path / "_checkpoints" / "ingest" / "news"
    assert parse(f"file://{tmp_path}") == tmp_path and is_local(f"file://{tmp_path}") and storage_options(tmp_path) is None


def test_uri_roots_join_as_uris_and_keep_their_storage():
    root = LakeUri("s3a://bucket/lake/", STORAGE)
    table = catalog.path(root, "bronze/news")
    assert isinstance(table, LakeUri) and table == "s3a://bucket/lake/bronze/news" and table.storage is STORAGE
    assert join(root, "_state", "monitor") == "s3a://bucket/lake/_state/monitor" and not is_local(table)
    assert table.bucket_key == "bucket/lake/bronze/news" and table.scheme == "s3a"
    assert catalog.path("s3a://bucket/lake", "deadletter") == "s3a://bucket/lake/deadletter", "a plain string parses too"
    assert "very-secret" not in repr(table) and pickle.loads(pickle.dumps(table)).storage == STORAGE


@pytest.mark.parametrize("uri", ["s3://bucket/lake", "gs://bucket/lake", "s3a:///no-bucket"])
def test_unsupported_uris_are_refused_naming_what_works(uri):
    with pytest.raises(ValidationError, match="s3a://bucket/prefix"):
        Settings(lake_root=uri)


def test_settings_give_delta_rs_and_hadoop_the_same_endpoint_and_keys():
    s = Settings(lake_root="s3a://bucket/lake", lake_storage=STORAGE)
    assert storage_options(s.lake_root) == {
        "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "key-id", "AWS_SECRET_ACCESS_KEY": "very-secret", "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    hadoop = STORAGE.hadoop_options()
    assert hadoop["fs.s3a.endpoint"] == "http://127.0.0.1:9000" and hadoop["fs.s3a.connection.ssl.enabled"] == "false"
    assert hadoop["fs.s3a.path.style.access"] == "true" and hadoop["fs.s3a.secret.key"] == "very-secret"
    chain = LakeStorageSettings().hadoop_options()
    assert "fs.s3a.access.key" not in chain and "fs.s3a.endpoint" not in chain, "no keys: the AWS default chain"


def test_env_round_trip_keeps_the_uri_and_leaves_the_keys_to_secrets(monkeypatch):
    s = Settings(lake_root="s3a://bucket/lake", lake_storage=STORAGE)
    env = s.to_env()
    assert env["LAM_LAKE_ROOT"] == "s3a://bucket/lake" and env["LAM_LAKE_STORAGE__ENDPOINT"] == "http://127.0.0.1:9000"
    assert not [k for k in env if "KEY" in k], "keys are secrets: never in the ConfigMap"
    for key, value in {**env, "LAM_LAKE_STORAGE__ACCESS_KEY_ID": "key-id", "LAM_LAKE_STORAGE__SECRET_ACCESS_KEY": "very-secret"}.items():
        monkeypatch.setenv(key, value)
    again = Settings()
    assert again.lake_root == s.lake_root and again.lake_root.storage == STORAGE
    assert isinstance(Settings(lake_root="~/lake").lake_root, Path) and "~" not in str(Settings(lake_root="~/lake").lake_root)
