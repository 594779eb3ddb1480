"""Settings: env and YAML layers, secrets never rendered, env round trip."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lam_models.settings import Settings


def test_env_overrides_yaml_and_yaml_overrides_defaults(tmp_path, monkeypatch):
    config = tmp_path / "lam.yaml"
    config.write_text("kafka:\n  bootstrap_servers: broker-a:9092\ntopics:\n  news: headlines\n")
    monkeypatch.setenv("LAM_CONFIG", str(config))
    monkeypatch.setenv("LAM_TOPICS__NEWS", "from-env")
    settings = Settings()
    assert settings.kafka.bootstrap_servers == "broker-a:9092"
    assert settings.topics.news == "from-env"
    assert settings.topics.alerts == "alerts"


def test_secret_is_not_rendered_in_env_or_repr(monkeypatch):
    monkeypatch.setenv("LAM_KAFKA__SASL_PASSWORD", "hunter2-secret")
    settings = Settings()
    assert settings.kafka.sasl_password.get_secret_value() == "hunter2-secret"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.to_env())
    assert "LAM_KAFKA__SASL_PASSWORD" not in settings.to_env()


def test_to_env_round_trips(monkeypatch, tmp_path):
    original = Settings(lake_root=tmp_path / "lake")
    for key, value in original.to_env().items():
        monkeypatch.setenv(key, value)
    assert Settings() == original


def test_bad_value_is_refused_with_the_field_name(monkeypatch):
    import pydantic

    monkeypatch.setenv("LAM_TOPICS__PARTITIONS", "0")
    with pytest.raises(pydantic.ValidationError, match="partitions"):
        Settings()


def test_settings_load_no_model_or_detector_library():
    """Every CLI call, Spark worker and DAG parse builds the settings: the packages' flat APIs load on first use,
    so the config modules the settings import never pull in LightFM, scikit-learn, scipy.stats or torch."""
    heavy = ("lightfm", "sklearn", "scipy.stats", "torch", "transformers")
    code = f"import sys; from lam_models.settings import Settings; Settings(); print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_flat_api_names_resolve_and_unknown_names_fail():
    from lam_models import alerting, continual, monitor, recsys, topics

    for package in (alerting, continual, monitor, recsys, topics):
        for name in package.__all__:
            getattr(package, name)  # a name mapped to the wrong submodule raises AttributeError
        assert dir(package) == package.__all__
        with pytest.raises(AttributeError, match="no attribute 'missing'"):
            package.missing  # noqa: B018
