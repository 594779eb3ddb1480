"""The Helm chart: lint, offline kubeconform (built-ins + spark-operator CRDs), values schema, settings drift.

Tools come from scripts/helm_tools.sh (go install helm/kubeconform once; Kubernetes schemas from a
PyPI package), so everything here runs offline after the first bootstrap.
"""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "lam-pipelines"
CRD_SCHEMAS = REPO / "helm" / "crds"
VALUE_SETS = {name: CHART / "ci" / f"{name}-values.yaml" for name in ("cpu", "gpu", "sasl-tls")}
RELEASE, NAMESPACE = "lam", "lam"


@pytest.fixture(scope="session")
def tools() -> dict[str, str]:
    """helm, kubeconform and the offline schema folder, installed once into the cache."""
    done = subprocess.run(["bash", str(REPO / "scripts" / "helm_tools.sh")], capture_output=True, text=True, timeout=1500)
    if done.returncode != 0:
        pytest.fail(f"scripts/helm_tools.sh failed:\n{done.stderr[-3000:]}")
    paths = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    for name in ("HELM", "KUBECONFORM"):
        assert os.access(paths[name], os.X_OK), f"{name} not executable at {paths[name]}"
    return paths


def helm_template(tools: dict[str, str], *values_files: Path) -> subprocess.CompletedProcess[str]:
    args = [tools["HELM"], "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
            "--kube-version", tools["K8S_VERSION"]]
    for path in values_files:
        args += ["-f", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def rendered(tools: dict[str, str], *values_files: Path) -> list[dict]:
    done = helm_template(tools, *values_files)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def only(docs: list[dict], kind: str) -> dict:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def chart_values(value_set: str) -> dict:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    return deep_merge(defaults, yaml.safe_load(VALUE_SETS[value_set].read_text()) or {})


@pytest.fixture
def clean_env(monkeypatch):
    """No LAM_* variable of the test process leaks into a Settings built here."""
    for key in list(os.environ):
        if key.startswith("LAM_"):
            monkeypatch.delenv(key)
    return monkeypatch


def header_install_sets() -> list[str]:
    """The ``--set`` arguments of the ``helm install lam helm/lam-pipelines`` command in airflow-values.yaml's header."""
    header = "\n".join(line[1:].strip() for line in (REPO / "helm" / "airflow-values.yaml").read_text().splitlines()
                       if line.startswith("#"))
    command = header.split("helm install lam helm/lam-pipelines", 1)[1].split("helm repo add", 1)[0]
    words = command.replace("\\\n", " ").split()
    return [words[i + 1] for i, word in enumerate(words) if word == "--set"]


def test_the_airflow_values_install_command_passes_the_schema_and_defaults_alert(tools):
    sets = header_install_sets()
    assert any("submitters" in s for s in sets) and "spark.jobs.monitor.enabled=false" in sets
    args = [tools["HELM"], "template", RELEASE, str(CHART), "--namespace", NAMESPACE, "--kube-version", tools["K8S_VERSION"]]
    for value in sets:
        args += ["--set", value]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    names = {d["metadata"]["name"] for d in docs if d["kind"] == "ScheduledSparkApplication"}
    assert not any(n.endswith("-monitor") for n in names), "with Airflow, the nightly DAG runs the monitor"
    default = {d["metadata"]["name"] for d in rendered(tools) if d["kind"] == "ScheduledSparkApplication"}
    assert any(n.endswith("-monitor") for n in default), "a default install raises alerts: the monitor is scheduled"
    bindings = [d for d in docs if d["kind"] == "RoleBinding" and any(s.get("name") == "airflow-worker" for s in d["subjects"])]
    assert bindings, "the Airflow worker may submit Spark jobs"


@pytest.mark.parametrize("value_set", [None, *VALUE_SETS])
def test_helm_lint_strict(tools, value_set):
    args = [tools["HELM"], "lint", "--strict", str(CHART), "--kube-version", tools["K8S_VERSION"]]
    if value_set:
        args += ["-f", str(VALUE_SETS[value_set])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_rendered_manifests_pass_kubeconform_strict(tools, value_set):
    manifest = helm_template(tools, VALUE_SETS[value_set])
    assert manifest.returncode == 0, manifest.stderr
    done = subprocess.run(
        [tools["KUBECONFORM"], "-strict", "-summary", "-kubernetes-version", tools["K8S_VERSION"],
         "-schema-location", str(CRD_SCHEMAS / "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
         "-schema-location", tools["K8S_SCHEMAS"], "-"],
        input=manifest.stdout, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in done.stdout, done.stdout
    kinds = {d["kind"] for d in yaml.safe_load_all(manifest.stdout) if d}
    assert {"Deployment", "PodDisruptionBudget", "ConfigMap", "ScheduledSparkApplication", "Role",
            "RoleBinding", "ServiceAccount", "NetworkPolicy", "PersistentVolumeClaim"} <= kinds


def test_kubeconform_refuses_an_unknown_sparkapplication_field(tools):
    """The CRD schemas are really applied (a typo is not skipped as 'no schema')."""
    docs = rendered(tools, VALUE_SETS["gpu"])
    app = only(docs, "SparkApplication")
    app["spec"]["executor"]["gpus"] = 1
    done = subprocess.run(
        [tools["KUBECONFORM"], "-strict", "-summary", "-schema-location",
         str(CRD_SCHEMAS / "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"), "-"],
        input=yaml.safe_dump(app), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0 and "'gpus' not allowed" in done.stdout, done.stdout


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_configmap_has_exactly_the_settings_env_keys(tools, clean_env, value_set):
    from lam_models.settings import Settings

    data = only(rendered(tools, VALUE_SETS[value_set]), "ConfigMap")["data"]
    expected = set(Settings().to_env())
    missing, extra = sorted(expected - set(data)), sorted(set(data) - expected)
    assert not missing and not extra, (
        f"ConfigMap vs Settings().to_env(): missing {missing}, not settings {extra}: "
        "add/remove the field under `settings:` in helm/lam-pipelines/values.yaml and run "
        "python scripts/render_configmap_env.py")


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_configmap_values_parse_to_the_chart_settings(tools, clean_env, value_set):
    """Read back as env vars, the ConfigMap gives the Settings that the values describe."""
    from lam_models.settings import Settings

    data = only(rendered(tools, VALUE_SETS[value_set]), "ConfigMap")["data"]
    from_values = Settings(**chart_values(value_set)["settings"]).to_env()
    for key, value in data.items():
        clean_env.setenv(key, value)
    assert Settings().to_env() == from_values


def test_settings_schema_is_generated_from_settings():
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_configmap_env", REPO / "scripts" / "render_configmap_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "values.schema.json is stale: run python scripts/render_configmap_env.py"


def test_object_store_lake_keys_only_from_the_secret_and_no_lake_pvc(tools, tmp_path):
    values = tmp_path / "s3.yaml"
    values.write_text(yaml.safe_dump({"settings": {"lake_root": "s3a://bucket/lake"}, "persistence": {"lake": {"enabled": False}},
                                      "lakeStorage": {"existingSecret": "lake-keys"}}))
    docs = rendered(tools, VALUE_SETS["cpu"], values)
    assert only(docs, "ConfigMap")["data"]["LAM_LAKE_ROOT"] == "s3a://bucket/lake"
    assert not [d for d in docs if d["kind"] == "PersistentVolumeClaim" and d["metadata"]["name"].endswith("-lake")]
    for app in (d for d in docs if d["kind"] == "ScheduledSparkApplication"):
        driver = app["spec"]["template"]["driver"]
        assert "lake" not in [m["name"] for m in driver["volumeMounts"]]
        keys = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in driver["env"] if e["name"].startswith("LAM_LAKE_STORAGE__")}
        assert keys == {"LAM_LAKE_STORAGE__ACCESS_KEY_ID": {"name": "lake-keys", "key": "access_key_id"},
                        "LAM_LAKE_STORAGE__SECRET_ACCESS_KEY": {"name": "lake-keys", "key": "secret_access_key"}}


def test_sasl_password_only_from_the_secret(tools):
    docs = rendered(tools, VALUE_SETS["sasl-tls"])
    assert not [k for k in only(docs, "ConfigMap")["data"] if "PASSWORD" in k]
    assert not [d for d in docs if d["kind"] == "Secret"], "the chart must reference, not create, the Kafka Secret"
    consumer = only(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    pods = [consumer["env"]]
    for app in (d for d in docs if d["kind"] == "ScheduledSparkApplication"):
        pods += [app["spec"]["template"][role]["env"] for role in ("driver", "executor")]
    for env in pods:
        (password,) = [e for e in env if e["name"] == "LAM_KAFKA__SASL_PASSWORD"]
        assert "value" not in password
        assert password["valueFrom"]["secretKeyRef"] == {"name": "lam-pipelines-kafka-user", "key": "password"}


def test_gpu_executors_request_gpus_on_gpu_nodes(tools):
    docs = rendered(tools, VALUE_SETS["gpu"])
    apps = {d["metadata"]["labels"]["lam-pipelines/job"]: d for d in docs if "SparkApplication" in d["kind"]}
    score = apps["score"]["spec"]["template"]
    assert score["image"].endswith("-cuda")
    assert score["executor"]["gpu"] == {"name": "nvidia.com/gpu", "quantity": 1}
    assert score["executor"]["nodeSelector"]["nvidia.com/gpu.present"] == "true"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in score["executor"]["tolerations"]
    assert "gpu" not in score["driver"]
    assert "gpu" not in apps["ingest-news"]["spec"]["template"]["executor"]


def test_consumer_outlives_its_shutdown_and_keeps_members_up(tools):
    docs = rendered(tools, VALUE_SETS["cpu"])
    pod = only(docs, "Deployment")["spec"]["template"]["spec"]
    shutdown_s = chart_values("cpu")["settings"]["alerting"]["shutdown_timeout_s"]
    assert pod["terminationGracePeriodSeconds"] > shutdown_s
    args = pod["containers"][0]["args"]
    assert args[:5] == ["lam", "alerts", "consume", "--group=lam-alerts", "--sink=stdout"]
    assert "--status-file=$(ALERT_CONSUMER_STATUS_FILE)" in args
    assert only(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_consumer_serves_prometheus_metrics_when_its_port_is_set(tools, tmp_path):
    docs = rendered(tools, VALUE_SETS["cpu"])
    port = chart_values("cpu")["settings"]["alerting"]["metrics_port"]
    assert port > 0, "the chart's consumers are scraped by default"
    template = only(docs, "Deployment")["spec"]["template"]
    assert template["spec"]["containers"][0]["ports"] == [{"name": "metrics", "containerPort": port, "protocol": "TCP"}]
    assert {"prometheus.io/scrape": "true", "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics"}.items() <= template["metadata"]["annotations"].items()
    (scrape,) = [d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"].endswith("-alert-consumer-metrics")]
    assert scrape["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": port}]}], "default-deny lets the scrape in"

    off = tmp_path / "off.yaml"
    off.write_text(yaml.safe_dump({"settings": {"alerting": {"metrics_port": 0}}}))
    docs = rendered(tools, VALUE_SETS["cpu"], off)
    template = only(docs, "Deployment")["spec"]["template"]
    assert "ports" not in template["spec"]["containers"][0]
    assert not [k for k in template["metadata"]["annotations"] if k.startswith("prometheus.io/")]
    assert not [d for d in docs if d["metadata"]["name"].endswith("-alert-consumer-metrics")]


# Refused by values.schema.json (path + rule in the message) or, for cross-field rules the schema
# cannot express, by the template's own `fail` message.
BAD_VALUES = {
    "sasl-without-secret": (
        {"settings": {"kafka": {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"}}},
        ["/kafkaAuth/existingSecret", "minLength"]),
    "password-in-values": (
        {"settings": {"kafka": {"sasl_password": "hunter2"}}}, ["/settings/kafka", "'sasl_password' not allowed"]),
    "gpu-on-cpu-image": ({"spark": {"executor": {"gpu": {"enabled": True}}}}, ["/image/variant", "'cuda'"]),
    "grace-not-longer-than-shutdown": (
        {"alertConsumer": {"terminationGracePeriodSeconds": 15}},
        ["alertConsumer.terminationGracePeriodSeconds (15) must be longer than settings.alerting.shutdown_timeout_s (15)"]),
    "unknown-sink": ({"alertConsumer": {"sink": "email"}}, ["/alertConsumer/sink", "jsonl"]),
    "webhook-without-url": ({"alertConsumer": {"sink": "webhook"}}, ["/alertConsumer/webhook/url", "/alertConsumer/webhook/urlSecret/name"]),
    "kubernetes-memory-unit": ({"spark": {"executor": {"memory": "4Gi"}}}, ["/spark/executor/memory", "'4Gi'"]),
    "settings-enum": ({"settings": {"model": {"device": "tpu"}}}, ["/settings/model/device", "cuda"]),
    "settings-field-removed": ({"settings": {"topics": {"news": None}}}, ["/settings/topics", "missing property 'news'"]),
    "local-spark-master": ({"settings": {"spark": {"master": "local[*]"}}}, ["/settings/spark/master", "k8s://"]),
    "ca-without-path": ({"kafkaTls": {"caSecret": {"name": "ca"}}}, ["/settings/kafka/ssl_cafile", "want string"]),
    "typo-at-top-level": ({"alertconsumer": {"replicas": 3}}, ["'alertconsumer' not allowed"]),
    "lake-pvc-at-a-uri": ({"settings": {"lake_root": "s3a://bucket/lake"}}, ["is an object-store URI: set persistence.lake.enabled: false"]),
    "lake-key-in-values": ({"settings": {"lake_storage": {"secret_access_key": "x"}}}, ["/settings/lake_storage", "'secret_access_key' not allowed"]),
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_bad_values_are_refused_with_a_clear_message(tools, tmp_path, case):
    values, fragments = BAD_VALUES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(values))
    done = helm_template(tools, path)
    assert done.returncode != 0, f"{case} was accepted"
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr
