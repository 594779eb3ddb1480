{{/*
The SparkApplicationSpec of one job, shared by SparkApplication (spec) and ScheduledSparkApplication
(spec.template). Call with (dict "root" $ "name" NAME "job" JOB).
*/}}
{{- define "lam.sparkAppSpec" -}}
{{- $root := .root -}}
{{- $job := .job -}}
{{- $s := $root.Values.spark -}}
{{- $gpu := and $job.gpu $s.executor.gpu.enabled -}}
{{- $labels := dict "app.kubernetes.io/name" (include "lam.name" $root) "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/component" "spark" "lam-pipelines/job" .name -}}
{{- $sparkConf := dict -}}
{{- if $gpu -}}
{{- $_ := set $sparkConf "spark.executor.resource.gpu.discoveryScript" $s.executor.gpu.discoveryScript -}}
{{- $_ := set $sparkConf "spark.task.resource.gpu.amount" (divf $s.executor.gpu.quantity $s.executor.cores | toString) -}}
{{- end -}}
{{- $sparkConf = merge (deepCopy $s.sparkConf) $sparkConf -}}
type: Python
mode: cluster
image: {{ include "lam.image" $root | quote }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
{{- with $root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
mainApplicationFile: {{ printf "local://%s/%s" $s.jobsDir $job.file | quote }}
{{- with $job.arguments }}
arguments:
  {{- range . }}
  - {{ . | quote }}
  {{- end }}
{{- end }}
sparkVersion: {{ $s.sparkVersion | quote }}
{{- with $sparkConf }}
sparkConf:
  {{- range $k, $v := . }}
  {{ $k | quote }}: {{ $v | toString | quote }}
  {{- end }}
{{- end }}
restartPolicy:
  {{- toYaml $s.restartPolicy | nindent 2 }}
volumes:
  - name: run
    emptyDir: {}
  - name: tmp
    emptyDir: {}
  {{- with include "lam.storageVolumes" $root }}{{ . | trim | nindent 2 }}{{- end }}
  {{- with include "lam.kafkaCaVolume" $root }}{{ . | trim | nindent 2 }}{{- end }}
{{- range $role := list "driver" "executor" }}
{{- $pod := get $s $role }}
{{ $role }}:
  {{- if eq $role "driver" }}
  cores: {{ $pod.cores }}
  coreLimit: {{ $pod.coreLimit | quote }}
  memory: {{ $pod.memory | default $root.Values.settings.spark.driver_memory | quote }}
  serviceAccount: {{ include "lam.sparkServiceAccountName" $root | quote }}
  {{- else }}
  instances: {{ $pod.instances }}
  cores: {{ $pod.cores }}
  coreLimit: {{ $pod.coreLimit | quote }}
  memory: {{ $pod.memory | quote }}
  {{- end }}
  memoryOverhead: {{ $pod.memoryOverhead | quote }}
  labels:
    {{- toYaml $labels | nindent 4 }}
  podSecurityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  securityContext:
    {{- toYaml (omit $root.Values.securityContext "readOnlyRootFilesystem") | nindent 4 }}
  envFrom:
    - configMapRef:
        name: {{ include "lam.configMapName" $root }}
  {{- with include "lam.secretEnv" $root }}
  env:
    {{- . | trim | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: run
      mountPath: {{ $root.Values.settings.run_root | quote }}
    - name: tmp
      mountPath: /tmp
    {{- with include "lam.storageMounts" $root }}{{ . | trim | nindent 4 }}{{- end }}
    {{- with include "lam.kafkaCaMount" $root }}{{ . | trim | nindent 4 }}{{- end }}
  {{- if eq $role "executor" }}
  {{- $nodeSelector := $pod.nodeSelector }}
  {{- $tolerations := $pod.tolerations }}
  {{- if $gpu }}
  gpu:
    name: {{ $pod.gpu.name | quote }}
    quantity: {{ $pod.gpu.quantity }}
  {{- $nodeSelector = merge (deepCopy $pod.gpu.nodeSelector) $pod.nodeSelector }}
  {{- $tolerations = concat $pod.tolerations $pod.gpu.tolerations }}
  {{- end }}
  {{- with $nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
{{- end }}
{{- with $s.timeToLiveSeconds }}
timeToLiveSeconds: {{ . }}
{{- end }}
{{- end -}}
