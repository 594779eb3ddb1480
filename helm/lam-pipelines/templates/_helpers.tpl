{{/* Names, labels, and the settings -> LAM_* env rendering shared by every template. */}}

{{- define "lam.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lam.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "lam.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lam.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lam.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "lam.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lam-pipelines
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "lam.image" -}}
{{- $tag := .Values.image.tag | default (printf "%s-%s" .Chart.AppVersion .Values.image.variant) -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{- define "lam.configMapName" -}}
{{- printf "%s-settings" (include "lam.fullname" .) -}}
{{- end -}}

{{- define "lam.sparkServiceAccountName" -}}
{{- .Values.spark.serviceAccount.name | default (printf "%s-spark" (include "lam.fullname" .)) -}}
{{- end -}}

{{- define "lam.consumerServiceAccountName" -}}
{{- printf "%s-alert-consumer" (include "lam.fullname" .) -}}
{{- end -}}

{{/*
One settings value as the string the Settings object parses from its env var: null -> "" (the
settings' env_parse_none_str), lists -> JSON, whole floats without ".0" (YAML numbers reach templates
as float64; "24" parses as 24.0), everything else as its string.
*/}}
{{- define "lam.settingValue" -}}
{{- $v := . -}}
{{- if kindIs "invalid" $v -}}
{{- "" -}}
{{- else if or (kindIs "slice" $v) (kindIs "map" $v) -}}
{{- toJson $v -}}
{{- else if kindIs "float64" $v -}}
{{- if eq $v (floor $v) -}}{{- int64 $v -}}{{- else -}}{{- $v -}}{{- end -}}
{{- else -}}
{{- toString $v -}}
{{- end -}}
{{- end -}}

{{/*
The settings map flattened to LAM_* env vars, one "KEY: value" line each, keys sorted: a section
(a map) nests with "__", as pydantic-settings reads it (settings.kafka.bootstrap_servers ->
LAM_KAFKA__BOOTSTRAP_SERVERS). Call with (dict "map" .Values.settings "prefix" "LAM_").
*/}}
{{- define "lam.settingsEnv" -}}
{{- $prefix := .prefix -}}
{{- $map := .map -}}
{{- range $key := keys $map | sortAlpha }}
{{- $value := get $map $key }}
{{- $name := printf "%s%s" $prefix (upper $key) }}
{{- if kindIs "map" $value }}
{{- include "lam.settingsEnv" (dict "map" $value "prefix" (printf "%s__" $name)) }}
{{- else }}
{{ $name }}: {{ include "lam.settingValue" $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "lam.saslEnabled" -}}
{{- if hasPrefix "SASL_" .Values.settings.kafka.security_protocol -}}true{{- end -}}
{{- end -}}

{{/* Env vars that are not settings values: the SASL password and the lake's object-store keys from their Secrets, never in plain text. */}}
{{- define "lam.secretEnv" -}}
{{- if include "lam.saslEnabled" . }}
- name: LAM_KAFKA__SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafkaAuth.existingSecret | quote }}
      key: {{ .Values.kafkaAuth.passwordKey | quote }}
{{- end }}
{{- with .Values.lakeStorage.existingSecret }}
- name: LAM_LAKE_STORAGE__ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.Values.lakeStorage.accessKeyIdKey | quote }}
- name: LAM_LAKE_STORAGE__SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.Values.lakeStorage.secretAccessKeyKey | quote }}
{{- end }}
{{- end -}}

{{/* Volumes every workload pod gets: run_root and /tmp scratch, the Kafka CA, and for Spark the shared storage. */}}
{{- define "lam.kafkaCaVolume" -}}
{{- if .Values.kafkaTls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafkaTls.caSecret.name | quote }}
    items:
      - key: {{ .Values.kafkaTls.caSecret.key | quote }}
        path: {{ base .Values.settings.kafka.ssl_cafile | quote }}
{{- end }}
{{- end -}}

{{- define "lam.kafkaCaMount" -}}
{{- if .Values.kafkaTls.caSecret.name }}
- name: kafka-ca
  mountPath: {{ dir .Values.settings.kafka.ssl_cafile | quote }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "lam.storageVolumes" -}}
{{- range $name := list "lake" "registry" }}
{{- $p := get $.Values.persistence $name }}
{{- if $p.enabled }}
- name: {{ $name }}
{{- if $p.volume }}
{{ toYaml $p.volume | indent 2 }}
{{- else }}
  persistentVolumeClaim:
    claimName: {{ $p.existingClaim | default (printf "%s-%s" (include "lam.fullname" $) $name) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "lam.storageMounts" -}}
{{- if and .Values.persistence.lake.enabled (contains "://" .Values.settings.lake_root) }}
{{- fail (printf "settings.lake_root %s is an object-store URI: set persistence.lake.enabled: false" .Values.settings.lake_root) }}
{{- end }}
{{- if .Values.persistence.lake.enabled }}
- name: lake
  mountPath: {{ .Values.settings.lake_root | quote }}
{{- end }}
{{- if .Values.persistence.registry.enabled }}
- name: registry
  mountPath: {{ .Values.settings.registry_root | quote }}
{{- end }}
{{- end -}}
