{{/*
Cross-field rules that values.schema.json cannot express. Each failure names the values involved and says why.
Included once from configmap.yaml, which every release renders.
*/}}
{{- define "feedback-redis.validate" -}}
{{- $v := .Values }}
{{- if not (or $v.consumer.enabled $v.flusher.enabled) }}
{{- fail "feedback-redis: consumer.enabled and flusher.enabled are both false: the release would run nothing. Enable at least one role." }}
{{- end }}
{{- if not (kindIs "invalid" $v.terminationGracePeriodSeconds) }}
{{- $grace := int64 $v.terminationGracePeriodSeconds }}
{{- $timeoutMs := int64 $v.shutdownTimeoutMs }}
{{- if le (mul $grace 1000) $timeoutMs }}
{{- fail (printf "feedback-redis: terminationGracePeriodSeconds=%d must be greater than the service's shutdown timeout (shutdownTimeoutMs=%d, i.e. %s s), or Kubernetes kills pods before they finish or release in-flight batches. Raise it or leave it empty for the default of %s." $grace $timeoutMs (include "feedback-redis.shutdownTimeoutSeconds" .) (toString (add (include "feedback-redis.shutdownTimeoutSeconds" . | int64) 15))) }}
{{- end }}
{{- end }}
{{- if ge (int64 $v.config.flushDrainMs) (int64 $v.shutdownTimeoutMs) }}
{{- fail (printf "feedback-redis: config.flushDrainMs=%d must be below shutdownTimeoutMs=%d: the flusher's drain has to fit in the shutdown time, or a write in hand is cut off before its leases are given back." (int64 $v.config.flushDrainMs) (int64 $v.shutdownTimeoutMs)) }}
{{- end }}
{{- if ge (int64 $v.config.pendingLowWater) (int64 $v.config.pendingHighWater) }}
{{- fail (printf "feedback-redis: config.pendingLowWater=%d must be below config.pendingHighWater=%d (consumers pause at the high water mark and resume below the low one)." (int64 $v.config.pendingLowWater) (int64 $v.config.pendingHighWater)) }}
{{- end }}
{{- range $role := list "consumer" "flusher" }}
{{- $r := index $v $role }}
{{- if and $r.hpa.enabled $r.keda.enabled }}
{{- fail (printf "feedback-redis: %s.hpa.enabled and %s.keda.enabled are both true: KEDA creates its own HorizontalPodAutoscaler, and two autoscalers on one Deployment fight. Enable only one." $role $role) }}
{{- end }}
{{- if and $r.hpa.enabled (gt (int64 $r.hpa.minReplicas) (int64 $r.hpa.maxReplicas)) }}
{{- fail (printf "feedback-redis: %s.hpa.minReplicas=%d is greater than %s.hpa.maxReplicas=%d." $role (int64 $r.hpa.minReplicas) $role (int64 $r.hpa.maxReplicas)) }}
{{- end }}
{{- if and $r.keda.enabled (gt (int64 $r.keda.minReplicaCount) (int64 $r.keda.maxReplicaCount)) }}
{{- fail (printf "feedback-redis: %s.keda.minReplicaCount=%d is greater than %s.keda.maxReplicaCount=%d." $role (int64 $r.keda.minReplicaCount) $role (int64 $r.keda.maxReplicaCount)) }}
{{- end }}
{{- if and $r.pdb.enabled (not (kindIs "invalid" $r.pdb.minAvailable)) (not (kindIs "invalid" $r.pdb.maxUnavailable)) }}
{{- fail (printf "feedback-redis: %s.pdb.minAvailable and %s.pdb.maxUnavailable are both set; a PodDisruptionBudget takes only one. Set the other to null." $role $role) }}
{{- end }}
{{- if and $r.pdb.enabled (kindIs "invalid" $r.pdb.minAvailable) (kindIs "invalid" $r.pdb.maxUnavailable) }}
{{- fail (printf "feedback-redis: %s.pdb.enabled is true but neither %s.pdb.minAvailable nor %s.pdb.maxUnavailable is set." $role $role $role) }}
{{- end }}
{{- end }}
{{- if and $v.consumer.keda.limitToPartitionsWithLag $v.consumer.keda.allowIdleConsumers }}
{{- fail "feedback-redis: consumer.keda.limitToPartitionsWithLag and consumer.keda.allowIdleConsumers are both true; KEDA's kafka scaler refuses the two together. Choose one." }}
{{- end }}
{{- $own := include "feedback-redis.ownLabels" . | fromYaml }}
{{- range $k, $_ := $v.commonLabels }}
{{- if or (hasKey $own $k) (eq $k "app.kubernetes.io/component") (eq $k "grafana_dashboard") }}
{{- fail (printf "feedback-redis: commonLabels.%s is a label the chart sets itself (selectors and tools rely on it); leave it out of commonLabels." $k) }}
{{- end }}
{{- end }}
{{- $tlsProtocol := has $v.config.kafkaSecurityProtocol (list "ssl" "sasl_ssl") }}
{{- $conn := ternary (dict) $v.connections (not (empty $v.existingSecret)) }}
{{- $tlsGiven := list }}
{{- if $v.kafkaTls.ca.secretName }}{{ $tlsGiven = append $tlsGiven "kafkaTls.ca.secretName" }}{{ end }}
{{- if $v.kafkaTls.client.secretName }}{{ $tlsGiven = append $tlsGiven "kafkaTls.client.secretName" }}{{ end }}
{{- range $key := list "kafkaSslCaPem" "kafkaSslCertificatePem" "kafkaSslKeyPem" "kafkaSslKeyPassword" }}
{{- if get $conn $key }}{{ $tlsGiven = append $tlsGiven (printf "connections.%s" $key) }}{{ end }}
{{- end }}
{{- if eq $v.config.kafkaSslEndpointIdentification "none" }}{{ $tlsGiven = append $tlsGiven "config.kafkaSslEndpointIdentification=none" }}{{ end }}
{{- if and $tlsGiven (not $tlsProtocol) }}
{{- fail (printf "feedback-redis: %s set but config.kafkaSecurityProtocol=%s does not use TLS, so the service would ignore it (and refuses to start). Use ssl or sasl_ssl, or remove the TLS values." (join ", " $tlsGiven) $v.config.kafkaSecurityProtocol) }}
{{- end }}
{{- if and $v.kafkaTls.ca.secretName (get $conn "kafkaSslCaPem") }}
{{- fail "feedback-redis: kafkaTls.ca.secretName and connections.kafkaSslCaPem are both set: give the CA one way, a mounted file or PEM text." }}
{{- end }}
{{- if and $v.kafkaTls.client.secretName (or (get $conn "kafkaSslCertificatePem") (get $conn "kafkaSslKeyPem")) }}
{{- fail "feedback-redis: kafkaTls.client.secretName and connections.kafkaSslCertificatePem/kafkaSslKeyPem are both set: give the client certificate and key one way, mounted files or PEM text." }}
{{- end }}
{{- if ne (empty (get $conn "kafkaSslCertificatePem")) (empty (get $conn "kafkaSslKeyPem")) }}
{{- fail "feedback-redis: connections.kafkaSslCertificatePem and connections.kafkaSslKeyPem go together (mutual TLS needs the certificate and its key); set both or neither." }}
{{- end }}
{{- if and (get $conn "kafkaSslKeyPassword") (not (or $v.kafkaTls.client.secretName (get $conn "kafkaSslKeyPem"))) }}
{{- fail "feedback-redis: connections.kafkaSslKeyPassword is set without a client key (kafkaTls.client.secretName or connections.kafkaSslKeyPem)." }}
{{- end }}
{{- if not $v.existingSecret }}
{{- $_ := required "feedback-redis: connections.redis is required unless existingSecret names a Secret you manage" $v.connections.redis }}
{{- if and (hasPrefix "sasl_" $v.config.kafkaSecurityProtocol) (not (and $v.connections.kafkaSaslUsername $v.connections.kafkaSaslPassword)) }}
{{- fail (printf "feedback-redis: config.kafkaSecurityProtocol=%s needs connections.kafkaSaslUsername and connections.kafkaSaslPassword (or an existingSecret holding FEEDBACK_KAFKA_SASL_USERNAME and FEEDBACK_KAFKA_SASL_PASSWORD)." $v.config.kafkaSecurityProtocol) }}
{{- end }}
{{- end }}
{{- end }}
