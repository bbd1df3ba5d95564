{{/*
Names and labels.
*/}}
{{- define "feedback-redis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "feedback-redis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "feedback-redis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "feedback-redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "feedback-redis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The labels the chart sets itself; commonLabels may not repeat one of them (_validate.tpl). */}}
{{- define "feedback-redis.ownLabels" -}}
helm.sh/chart: {{ include "feedback-redis.chart" . }}
{{ include "feedback-redis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: feedback-redis
{{- end }}

{{- define "feedback-redis.labels" -}}
{{ include "feedback-redis.ownLabels" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
An object's metadata.annotations: commonAnnotations merged with the object's own (which win on a clash), or nothing
when both are empty. Takes (dict "root" $ "own" .Values.service.annotations); the output starts with its own line
break at metadata's indentation, so call it as {{- include ... }} right after the labels.
*/}}
{{- define "feedback-redis.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .own)) (deepCopy (default (dict) .root.Values.commonAnnotations)) }}
{{- with $all }}{{ printf "\n  annotations:%s" (toYaml . | nindent 4) }}{{ end }}
{{- end }}

{{/*
Per-role helpers take a dict: (dict "root" $ "role" "consumer").
*/}}
{{- define "feedback-redis.roleName" -}}
{{- printf "%s-%s" (include "feedback-redis.fullname" .root | trunc 54 | trimSuffix "-") .role }}
{{- end }}

{{- define "feedback-redis.roleSelectorLabels" -}}
{{ include "feedback-redis.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "feedback-redis.roleLabels" -}}
{{ include "feedback-redis.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "feedback-redis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "feedback-redis.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "feedback-redis.configMapName" -}}
{{- printf "%s-config" (include "feedback-redis.fullname" .) }}
{{- end }}

{{/* The Secret the pods read their connection settings from: existingSecret or the one this chart renders. */}}
{{- define "feedback-redis.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- printf "%s-connections" (include "feedback-redis.fullname" .) }}
{{- end }}
{{- end }}

{{- define "feedback-redis.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Whole seconds the service may spend shutting down (rounded up). */}}
{{- define "feedback-redis.shutdownTimeoutSeconds" -}}
{{- div (add (int64 .Values.shutdownTimeoutMs) 999) 1000 }}
{{- end }}

{{- define "feedback-redis.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add (include "feedback-redis.shutdownTimeoutSeconds" . | int64) 15 }}
{{- else }}
{{- int64 .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* True ("true") when the flusher writes to the file sink and needs /data. */}}
{{- define "feedback-redis.fileSink" -}}
{{- if eq .Values.config.sink "file" }}true{{ end }}
{{- end }}

{{/* Mounted Kafka TLS files (kafkaTls.*): the CA file, the client certificate and key files; empty when not mounted. */}}
{{- define "feedback-redis.kafkaTlsCaFile" -}}
{{- with .Values.kafkaTls }}{{ if .ca.secretName }}{{ printf "%s/ca/%s" .mountPath .ca.key }}{{ end }}{{ end }}
{{- end }}

{{- define "feedback-redis.kafkaTlsCertificateFile" -}}
{{- with .Values.kafkaTls }}{{ if .client.secretName }}{{ printf "%s/client/%s" .mountPath .client.certificateKey }}{{ end }}{{ end }}
{{- end }}

{{- define "feedback-redis.kafkaTlsKeyFile" -}}
{{- with .Values.kafkaTls }}{{ if .client.secretName }}{{ printf "%s/client/%s" .mountPath .client.keyKey }}{{ end }}{{ end }}
{{- end }}

{{/*
OpenTelemetry's standard variables from otel.*, each only when its value is set (the service exports nothing without
an endpoint). Container env entries, or nothing.
*/}}
{{- define "feedback-redis.otelEnv" -}}
{{- $o := .Values.otel }}
{{- $env := list }}
{{- with $o.endpoint }}{{ $env = append $env (dict "name" "OTEL_EXPORTER_OTLP_ENDPOINT" "value" .) }}{{ end }}
{{- with $o.protocol }}{{ $env = append $env (dict "name" "OTEL_EXPORTER_OTLP_PROTOCOL" "value" .) }}{{ end }}
{{- with $o.serviceName }}{{ $env = append $env (dict "name" "OTEL_SERVICE_NAME" "value" .) }}{{ end }}
{{- with $o.resourceAttributes }}
{{- $pairs := list }}
{{- range $k := keys . | sortAlpha }}{{ $pairs = append $pairs (printf "%s=%s" $k (toString (get $o.resourceAttributes $k))) }}{{ end }}
{{- $env = append $env (dict "name" "OTEL_RESOURCE_ATTRIBUTES" "value" (join "," $pairs)) }}
{{- end }}
{{- with $env }}{{ toYaml . }}{{ end }}
{{- end }}

{{/*
PromQL for "the counter moved within the window", per group: its increase, or a series that appeared within the
window (the service creates a counter's series at its first increment, which increase() alone cannot see).
Takes (dict "m" METRIC "s" SELECTOR "by" LABELS "w" WINDOW).
*/}}
{{- define "feedback-redis.rules.seen" -}}
(
  sum by ({{ .by }}) (increase({{ .m }}{ {{- .s -}} }[{{ .w }}])) > 0
  or sum by ({{ .by }}) (
    {{ .m }}{ {{- .s -}} }
    unless {{ .m }}{ {{- .s -}} } offset {{ .w }}
  )
)
{{- end }}
