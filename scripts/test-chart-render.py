#!/usr/bin/python3
"""Render the feedback-redis chart with several value sets and assert on the manifests.

Called by scripts/test-chart.sh, which provides helm, yamllint and PyYAML (Debian's python3-yaml, hence
/usr/bin/python3). Prints one `ok - <name>` or `not ok - <name>` line per check, then
`# checks complete: N` so the caller can tell a crash from a finished run.

With --out DIR every rendered manifest is kept there (one file per scenario, for the schema validation) together
with rules.yaml, the PrometheusRule's groups for promtool.

usage: test-chart-render.py --helm PATH --root REPO_ROOT [--out DIR]
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

RELEASE = "rel"
NAMESPACE = "fb"
FULL = "rel-feedback-redis"
ROLES = ("consumer", "flusher")
APP_VERSION = "0.1.0"

# The configuration contract with the service: every FEEDBACK_* variable the ConfigMap carries and its default.
DEFAULT_CONFIG = {
    "FEEDBACK_HTTP_PORT": "8080",
    "FEEDBACK_SHUTDOWN_TIMEOUT_MS": "25000",
    "FEEDBACK_BATCH_SIZE": "50",
    "FEEDBACK_BATCH_TIME_MS": "300000",
    "FEEDBACK_BATCH_MAX_BYTES": "0",
    "FEEDBACK_BATCH_GRACE_MS": "0",
    "FEEDBACK_MAX_BATCHES": "10000",
    "FEEDBACK_BATCHING_MODE": "hybrid",
    "FEEDBACK_GLOBAL_TRIGGER": "20000",
    "FEEDBACK_GLOBAL_LANES": "8",
    "FEEDBACK_LEASE_MS": "30000",
    "FEEDBACK_MAX_ATTEMPTS": "5",
    "FEEDBACK_MAX_ITEM_BYTES": "65536",
    "FEEDBACK_KEY_PREFIX": "feedback",
    "FEEDBACK_REDIS_SHARDS": "0",
    "FEEDBACK_CLOCK": "redis",
    "FEEDBACK_REDIS_EVICTION_CHECK": "refuse",
    "FEEDBACK_REDIS_PERSISTENCE_CHECK": "refuse",
    "FEEDBACK_REDIS_WAIT_REPLICAS": "0",
    "FEEDBACK_REDIS_WAIT_TIMEOUT_MS": "1000",
    "FEEDBACK_KAFKA_SECURITY_PROTOCOL": "plaintext",
    "FEEDBACK_KAFKA_SASL_MECHANISM": "PLAIN",
    "FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION": "https",
    "FEEDBACK_KAFKA_GROUP_ID": "feedback-redis",
    "FEEDBACK_TOPIC_REPLY": "feedback.reply.received",
    "FEEDBACK_TOPIC_REACTION": "feedback.reaction.received",
    "FEEDBACK_TOPIC_DLQ": "feedback.dlq",
    "FEEDBACK_TOPIC_FLUSHED": "feedback.batch.flushed",
    "FEEDBACK_CONSUMER_MAX_BATCH": "500",
    "FEEDBACK_CONSUMER_APPENDS_IN_FLIGHT": "4",
    "FEEDBACK_CONSUMER_MAX_WAIT_MS": "50",
    "FEEDBACK_PENDING_HIGH_WATER": "1000000",
    "FEEDBACK_PENDING_LOW_WATER": "800000",
    "FEEDBACK_DEAD_HIGH_WATER": "1000000",
    "FEEDBACK_COMMIT_SAFETY_MS": "0",
    "FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS": "5000",
    "FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS": "45000",
    "FEEDBACK_CONSUMER_STUCK_MS": "120000",
    "FEEDBACK_FLUSH_POLL_MS": "1000",
    "FEEDBACK_FLUSH_MAX_WRITE_EVENTS": "5000",
    "FEEDBACK_FLUSH_MAX_WRITE_BATCHES": "500",
    "FEEDBACK_FLUSH_RETRY_BASE_MS": "1000",
    "FEEDBACK_FLUSH_RETRY_MAX_MS": "30000",
    "FEEDBACK_FLUSH_PUBLISH_TIMEOUT_MS": "10000",
    "FEEDBACK_FLUSH_DRAIN_MS": "15000",
    "FEEDBACK_SINK": "mongodb",
    "FEEDBACK_SINK_FILE_PATH": "/data/feedback.jsonl",
    "FEEDBACK_MONGODB_DATABASE": "feedback",
    "FEEDBACK_MONGODB_EVENTS_COLLECTION": "feedback_events",
    "FEEDBACK_MONGODB_AGENTS_COLLECTION": "agent_feedback",
    "FEEDBACK_MONGODB_WRITE_CONCERN": "majority",
    "FEEDBACK_MONGODB_BATCHES_COLLECTION": "flushed_batches",
    "FEEDBACK_MAX_REACTION_NAMES": "100",
}
DEFAULT_SECRET = {
    "FEEDBACK_REDIS_CONNECTION": "redis-master:6379",
    "FEEDBACK_KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "FEEDBACK_MONGODB_URI": "mongodb://mongodb:27017",
}
CONNECTION_KEYS = {
    "FEEDBACK_REDIS_CONNECTION", "FEEDBACK_KAFKA_BOOTSTRAP_SERVERS", "FEEDBACK_KAFKA_SASL_USERNAME",
    "FEEDBACK_KAFKA_SASL_PASSWORD", "FEEDBACK_KAFKA_SSL_CA_PEM", "FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM",
    "FEEDBACK_KAFKA_SSL_KEY_PEM", "FEEDBACK_KAFKA_SSL_KEY_PASSWORD", "FEEDBACK_MONGODB_URI",
}
# Set in the ConfigMap only when their values are: the source id, and the files mounted from kafkaTls.* Secrets.
OPTIONAL_CONFIG_KEYS = {
    "FEEDBACK_SOURCE_ID", "FEEDBACK_KAFKA_SSL_CA_LOCATION", "FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION",
    "FEEDBACK_KAFKA_SSL_KEY_LOCATION",
}
TLS_MOUNT = "/etc/feedback-redis/kafka-tls"
# Placeholder PEM text: the chart checks only that it starts like PEM; the service checks the rest.
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"
CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n"
DEFAULT_RESOURCES = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
READY_QUERY = 'max(feedback_store_batches{state="ready"})'
# The CRDs of a cluster with the Prometheus Operator, for scenarios that render its objects.
OPERATOR_APIS = ["--api-versions", "monitoring.coreos.com/v1/ServiceMonitor",
                 "--api-versions", "monitoring.coreos.com/v1/PrometheusRule"]
# Values documented as one row of the README table, not leaf by leaf.
OPAQUE_VALUES = {"consumer.resources", "flusher.resources", "podSecurityContext", "securityContext"}


class Runner:
    def __init__(self, helm, root):
        self.helm = helm
        self.root = root
        self.chart = os.path.join(root, "charts", "feedback-redis")
        self.passed = 0
        self.failed = 0
        self.tmp = tempfile.mkdtemp(prefix="chart-test-")
        self.rendered_files = {}
        self.ci_used = set()

    # --- reporting -------------------------------------------------------------------------------------------
    def check(self, name, fn):
        """fn returns True, False, or (bool, detail). An exception is a failure naming the exception."""
        detail = ""
        try:
            result = fn()
            if isinstance(result, tuple):
                result, detail = result
            good = bool(result)
        except Exception as exc:  # noqa: BLE001 - a broken assertion is a failed check, not a crash
            good, detail = False, f"{type(exc).__name__}: {exc}"
        if good:
            self.passed += 1
            print(f"ok - {name}")
        else:
            self.failed += 1
            print(f"not ok - {name}")
            if detail:
                for line in str(detail).splitlines()[:12]:
                    print(f"#   {line}")
        sys.stdout.flush()

    # --- rendering -------------------------------------------------------------------------------------------
    def helm_template(self, args, chart=None):
        cmd = [self.helm, "template", RELEASE, chart or self.chart, "--namespace", NAMESPACE, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout, proc.stderr

    def render(self, scenario, args):
        rc, out, err = self.helm_template(args)
        ok = rc == 0
        self.check(f"{scenario}: helm template renders", lambda: (ok, err.strip()))
        if not ok:
            return None
        path = os.path.join(self.tmp, f"{scenario}.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
        self.rendered_files[scenario] = path
        return Manifests([d for d in yaml.safe_load_all(out) if d])

    def ci(self, name):
        """The tested value set charts/feedback-redis/ci/<name>-values.yaml, as helm arguments."""
        path = os.path.join(self.chart, "ci", f"{name}-values.yaml")
        if not os.path.isfile(path):
            raise FileNotFoundError(path)
        self.ci_used.add(os.path.basename(path))
        return ["-f", path]

    def values_file(self, name, data):
        path = os.path.join(self.tmp, f"{name}.values.yaml")
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(data, f)
        return path


class Manifests:
    def __init__(self, docs):
        self.docs = docs

    def all(self, kind):
        return [d for d in self.docs if d.get("kind") == kind]

    def get(self, kind, name):
        found = [d for d in self.all(kind) if d["metadata"]["name"] == name]
        if len(found) != 1:
            raise LookupError(f"expected one {kind} {name}, found {len(found)}")
        return found[0]

    def has(self, kind, name=None):
        return any(name is None or d["metadata"]["name"] == name for d in self.all(kind))

    def kinds(self):
        return sorted(f"{d['kind']}/{d['metadata']['name']}" for d in self.docs)

    def deployment(self, role):
        return self.get("Deployment", f"{FULL}-{role}")

    def container(self, role):
        containers = self.deployment(role)["spec"]["template"]["spec"]["containers"]
        if len(containers) != 1:
            raise LookupError(f"{role}: expected one container, found {len(containers)}")
        return containers[0]

    def config(self):
        return self.get("ConfigMap", f"{FULL}-config")["data"]

    def secret_data(self, name=f"{FULL}-connections"):
        data = self.get("Secret", name)["data"]
        return {k: base64.b64decode(v).decode() for k, v in data.items()}


def subset(small, big):
    return all(big.get(k) == v for k, v in small.items())


def env_value(container, name):
    values = [e.get("value") for e in container.get("env", []) if e["name"] == name]
    if len(values) != 1:
        raise LookupError(f"env {name} appears {len(values)} times")
    return values[0]


def mounts(container):
    return {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}


def volumes(deployment):
    return {v["name"]: v for v in deployment["spec"]["template"]["spec"].get("volumes", [])}


# ------------------------------------------------------------------------------------------------------------
def test_defaults(t):
    m = t.render("defaults", [])
    if m is None:
        return None
    t.check("defaults: exactly the expected objects", lambda: (m.kinds() == sorted([
        f"ConfigMap/{FULL}-config", f"Secret/{FULL}-connections", f"ServiceAccount/{FULL}", f"Service/{FULL}",
        f"Deployment/{FULL}-consumer", f"Deployment/{FULL}-flusher",
        f"PodDisruptionBudget/{FULL}-consumer", f"PodDisruptionBudget/{FULL}-flusher",
    ]), m.kinds()))
    t.check("defaults: ConfigMap holds every FEEDBACK_* variable with its default value",
            lambda: (m.config() == DEFAULT_CONFIG,
                     {k: (m.config().get(k), DEFAULT_CONFIG.get(k)) for k in set(m.config()) | set(DEFAULT_CONFIG)
                      if m.config().get(k) != DEFAULT_CONFIG.get(k)}))
    known = set(re.findall(r'"Feedback:[A-Za-z]+:[A-Za-z]+", "(FEEDBACK_[A-Z0-9_]+)"',
                           open(os.path.join(t.root, "src/FeedbackRedis/Configuration/FeedbackSettings.cs")).read()))
    every = set(m.config()) | CONNECTION_KEYS | OPTIONAL_CONFIG_KEYS
    t.check("defaults: every FEEDBACK_* the chart sets is one the service reads (Configuration/FeedbackSettings.cs)",
            lambda: (bool(known) and every <= known, sorted(every - known)))
    t.check("defaults: ConfigMap carries no role and no connection setting",
            lambda: not ({"FEEDBACK_ROLE"} | CONNECTION_KEYS) & set(m.config()))
    t.check("defaults: Secret holds the connection settings (no empty SASL keys)",
            lambda: (m.secret_data() == DEFAULT_SECRET, m.secret_data()))
    for role in ROLES:
        dep = lambda role=role: m.deployment(role)
        c = lambda role=role: m.container(role)
        pod = lambda role=role: dep(role)["spec"]["template"]["spec"]
        t.check(f"defaults/{role}: replicas 2", lambda: dep()["spec"].get("replicas") == 2)
        t.check(f"defaults/{role}: FEEDBACK_ROLE={role}", lambda role=role: env_value(c(), "FEEDBACK_ROLE") == role)
        t.check(f"defaults/{role}: envFrom the ConfigMap and the Secret", lambda: c()["envFrom"] == [
            {"configMapRef": {"name": f"{FULL}-config"}}, {"secretRef": {"name": f"{FULL}-connections"}}])
        t.check(f"defaults/{role}: image is repository:appVersion",
                lambda: c()["image"] == f"feedback-redis:{APP_VERSION}")
        t.check(f"defaults/{role}: container port 8080 named http",
                lambda: c()["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}])
        t.check(f"defaults/{role}: startupProbe GET /healthz/live on http",
                lambda: c()["startupProbe"]["httpGet"] == {"path": "/healthz/live", "port": "http"})
        t.check(f"defaults/{role}: livenessProbe GET /healthz/live on http",
                lambda: c()["livenessProbe"]["httpGet"] == {"path": "/healthz/live", "port": "http"})
        t.check(f"defaults/{role}: readinessProbe GET /healthz/ready on http",
                lambda: c()["readinessProbe"]["httpGet"] == {"path": "/healthz/ready", "port": "http"})
        t.check(f"defaults/{role}: startup probe allows 120 s to start",
                lambda: c()["startupProbe"]["periodSeconds"] * c()["startupProbe"]["failureThreshold"] == 120)
        t.check(f"defaults/{role}: resources", lambda: (c()["resources"] == DEFAULT_RESOURCES, c().get("resources")))
        t.check(f"defaults/{role}: terminationGracePeriodSeconds 40 (25 s shutdown + 15)",
                lambda: pod()["terminationGracePeriodSeconds"] == 40)
        t.check(f"defaults/{role}: container securityContext is restrictive", lambda: (subset({
            "runAsNonRoot": True, "runAsUser": 10001, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}, c()["securityContext"]), c()["securityContext"]))
        t.check(f"defaults/{role}: pod securityContext runAsNonRoot, uid 10001, RuntimeDefault seccomp",
                lambda: subset({"runAsNonRoot": True, "runAsUser": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}}, pod()["securityContext"]))
        t.check(f"defaults/{role}: emptyDir at /tmp and no /data",
                lambda: mounts(c()) == {"/tmp": "tmp"} and "emptyDir" in volumes(dep())["tmp"])
        t.check(f"defaults/{role}: own ServiceAccount without API token", lambda: (
            pod()["serviceAccountName"] == FULL and pod()["automountServiceAccountToken"] is False))
        t.check(f"defaults/{role}: selector matches only its own pods", lambda: (
            dep()["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component") == role
            and subset(dep()["spec"]["selector"]["matchLabels"], dep()["spec"]["template"]["metadata"]["labels"])))
        t.check(f"defaults/{role}: config checksum annotation", lambda: re.fullmatch(
            "[0-9a-f]{64}", dep()["spec"]["template"]["metadata"]["annotations"]["checksum/config"]) is not None)
        t.check(f"defaults/{role}: PodDisruptionBudget maxUnavailable 1 on this role's pods", lambda: (
            m.get("PodDisruptionBudget", f"{FULL}-{role}")["spec"] == {
                "maxUnavailable": 1, "selector": {"matchLabels": dep()["spec"]["selector"]["matchLabels"]}}))
    t.check("defaults: grace period exceeds FEEDBACK_SHUTDOWN_TIMEOUT_MS", lambda: all(
        m.deployment(r)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] * 1000
        > int(m.config()["FEEDBACK_SHUTDOWN_TIMEOUT_MS"]) for r in ROLES))
    t.check("defaults: Service exposes http 8080 and selects both roles", lambda: (
        m.get("Service", FULL)["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http",
                                                      "protocol": "TCP"}]
        and all(subset(m.get("Service", FULL)["spec"]["selector"],
                       m.deployment(r)["spec"]["template"]["metadata"]["labels"]) for r in ROLES)))
    t.check("defaults: ServiceAccount does not automount a token",
            lambda: m.get("ServiceAccount", FULL)["automountServiceAccountToken"] is False)
    return m


def test_roles_disabled(t):
    for off, on in (("consumer", "flusher"), ("flusher", "consumer")):
        m = t.render(f"{off}-disabled", ["--set", f"{off}.enabled=false"])
        if m is None:
            continue
        t.check(f"{off}-disabled: no {off} Deployment", lambda off=off: not m.has("Deployment", f"{FULL}-{off}"))
        t.check(f"{off}-disabled: no {off} PodDisruptionBudget",
                lambda off=off: not m.has("PodDisruptionBudget", f"{FULL}-{off}"))
        t.check(f"{off}-disabled: {on} Deployment still rendered",
                lambda on=on: env_value(m.container(on), "FEEDBACK_ROLE") == on)


def test_config_changes(t, defaults):
    m = t.render("custom", t.ci("custom"))
    if m is None:
        return
    t.check("custom: ConfigMap reflects the values", lambda: (subset({
        "FEEDBACK_BATCH_SIZE": "200", "FEEDBACK_BATCHING_MODE": "global", "FEEDBACK_PENDING_HIGH_WATER": "2000000",
        "FEEDBACK_PENDING_LOW_WATER": "1500000", "FEEDBACK_REDIS_SHARDS": "3", "FEEDBACK_KEY_PREFIX": "fb",
        "FEEDBACK_CLOCK": "local", "FEEDBACK_SHUTDOWN_TIMEOUT_MS": "60000", "DOTNET_gcServer": "1",
        "FEEDBACK_REDIS_PERSISTENCE_CHECK": "warn", "FEEDBACK_REDIS_WAIT_REPLICAS": "1",
        "FEEDBACK_REDIS_WAIT_TIMEOUT_MS": "250"}, m.config()),
        m.config()))
    t.check("custom: grace period follows the shutdown timeout (60 + 15)", lambda: all(
        m.deployment(r)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 75 for r in ROLES))
    t.check("custom: image repository and tag",
            lambda: m.container("consumer")["image"] == "registry.example/feedback-redis:1.2.3")
    t.check("custom: per-role replicas (5 consumers, 0 flushers)", lambda: (
        m.deployment("consumer")["spec"]["replicas"] == 5 and m.deployment("flusher")["spec"]["replicas"] == 0))
    t.check("custom: consumer nodeSelector, tolerations and affinity, flusher none", lambda: (
        m.deployment("consumer")["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "kafka"}
        and m.deployment("consumer")["spec"]["template"]["spec"]["tolerations"][0]["key"] == "dedicated"
        and "podAntiAffinity" in m.deployment("consumer")["spec"]["template"]["spec"]["affinity"]
        and not {"nodeSelector", "tolerations", "affinity"} & set(m.deployment("flusher")["spec"]["template"]["spec"])))
    t.check("custom: flusher resources, consumer keeps the defaults", lambda: (
        m.container("flusher")["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"},
                                                "limits": {"memory": "2Gi"}}
        and m.container("consumer")["resources"] == DEFAULT_RESOURCES))
    t.check("custom: consumer PDB minAvailable 1 instead of maxUnavailable",
            lambda: m.get("PodDisruptionBudget", f"{FULL}-consumer")["spec"].get("minAvailable") == 1
            and "maxUnavailable" not in m.get("PodDisruptionBudget", f"{FULL}-consumer")["spec"])
    if defaults is not None:
        t.check("custom: pods roll when the configuration changes", lambda: (
            m.deployment("flusher")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            != defaults.deployment("flusher")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]))

    m = t.render("former-names", ["--set", "config.globalShards=4", "--set", "config.globalBatchSize=900"])
    if m is not None:
        t.check("former value names (globalShards, globalBatchSize) still set the renamed variables", lambda: subset({
            "FEEDBACK_GLOBAL_LANES": "4", "FEEDBACK_GLOBAL_TRIGGER": "900"}, m.config())
            and not {"FEEDBACK_GLOBAL_SHARDS", "FEEDBACK_GLOBAL_BATCH_SIZE"} & set(m.config()))
    m = t.render("new-names", ["--set", "config.globalLanes=3", "--set", "config.globalTrigger=700"])
    if m is not None:
        t.check("renamed values (globalLanes, globalTrigger) set their variables",
                lambda: subset({"FEEDBACK_GLOBAL_LANES": "3", "FEEDBACK_GLOBAL_TRIGGER": "700"}, m.config()))

    m = t.render("grace-explicit", ["--set", "shutdownTimeoutMs=25500", "--set", "terminationGracePeriodSeconds=26"])
    if m is not None:
        t.check("grace-explicit: 26 s accepted for a 25.5 s shutdown timeout", lambda: all(
            m.deployment(r)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 26 for r in ROLES))
    m = t.render("grace-rounding", ["--set", "shutdownTimeoutMs=25500"])
    if m is not None:
        t.check("grace-rounding: default rounds the shutdown timeout up (26 + 15)", lambda: all(
            m.deployment(r)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 41 for r in ROLES))


def test_autoscaling(t):
    m = t.render("hpa", t.ci("hpa"))
    if m is not None:
        for role in ROLES:
            t.check(f"hpa/{role}: autoscaling/v2 HPA targets the {role} Deployment", lambda role=role: (
                m.get("HorizontalPodAutoscaler", f"{FULL}-{role}")["apiVersion"] == "autoscaling/v2"
                and m.get("HorizontalPodAutoscaler", f"{FULL}-{role}")["spec"]["scaleTargetRef"] == {
                    "apiVersion": "apps/v1", "kind": "Deployment", "name": f"{FULL}-{role}"}
                and m.get("HorizontalPodAutoscaler", f"{FULL}-{role}")["spec"]["minReplicas"] == 2
                and m.get("HorizontalPodAutoscaler", f"{FULL}-{role}")["spec"]["maxReplicas"] == 10))
            t.check(f"hpa/{role}: Deployment leaves replicas to the HPA",
                    lambda role=role: "replicas" not in m.deployment(role)["spec"])
        t.check("hpa: metrics (consumer cpu; flusher cpu and memory)", lambda: (
            [x["resource"]["name"] for x in m.get("HorizontalPodAutoscaler", f"{FULL}-consumer")["spec"]["metrics"]]
            == ["cpu"]
            and [x["resource"]["name"] for x in m.get("HorizontalPodAutoscaler", f"{FULL}-flusher")["spec"]["metrics"]]
            == ["cpu", "memory"]))
        t.check("hpa: no ScaledObject", lambda: not m.all("ScaledObject"))

    m = t.render("keda", t.ci("keda"))
    if m is not None:
        so = lambda role: m.get("ScaledObject", f"{FULL}-{role}")
        t.check("keda: no HPA of the chart's own", lambda: not m.all("HorizontalPodAutoscaler"))
        t.check("keda: Deployments leave replicas to KEDA",
                lambda: all("replicas" not in m.deployment(r)["spec"] for r in ROLES))
        t.check("keda/consumer: ScaledObject targets the consumer Deployment",
                lambda: so("consumer")["spec"]["scaleTargetRef"]["name"] == f"{FULL}-consumer")
        t.check("keda/consumer: kafka triggers on the group and both input topics", lambda: (
            [tr["type"] for tr in so("consumer")["spec"]["triggers"]] == ["kafka", "kafka"]
            and sorted(tr["metadata"]["topic"] for tr in so("consumer")["spec"]["triggers"])
            == ["feedback.reaction.received", "feedback.reply.received"]
            and all(tr["metadata"]["consumerGroup"] == "feedback-redis" for tr in so("consumer")["spec"]["triggers"])))
        t.check("keda/consumer: brokers from the container's FEEDBACK_KAFKA_BOOTSTRAP_SERVERS", lambda: all(
            tr["metadata"]["bootstrapServersFromEnv"] == "FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"
            and "FEEDBACK_KAFKA_BOOTSTRAP_SERVERS" in m.secret_data()
            for tr in so("consumer")["spec"]["triggers"]))
        t.check("keda/consumer: plaintext Kafka needs no TriggerAuthentication", lambda: (
            not m.all("TriggerAuthentication")
            and all("authenticationRef" not in tr for tr in so("consumer")["spec"]["triggers"])))
        t.check("keda/flusher: prometheus trigger on ready batches", lambda: (
            so("flusher")["spec"]["scaleTargetRef"]["name"] == f"{FULL}-flusher"
            and [tr["type"] for tr in so("flusher")["spec"]["triggers"]] == ["prometheus"]
            and so("flusher")["spec"]["triggers"][0]["metadata"]["query"] == READY_QUERY
            and so("flusher")["spec"]["triggers"][0]["metadata"]["threshold"] == "100"))
        t.check("keda/consumer: lag options off by default", lambda: all(
            tr["metadata"]["limitToPartitionsWithLag"] == "false" and tr["metadata"]["excludePersistentLag"] == "false"
            and tr["metadata"]["allowIdleConsumers"] == "false" for tr in so("consumer")["spec"]["triggers"]))

    m = t.render("keda-sasl", t.ci("keda-sasl"))
    if m is not None:
        ta = f"{FULL}-consumer-kafka"
        t.check("keda-sasl: Secret carries the SASL credentials", lambda: subset(
            {"FEEDBACK_KAFKA_SASL_USERNAME": "svc", "FEEDBACK_KAFKA_SASL_PASSWORD": "pw"}, m.secret_data()))
        t.check("keda-sasl: TriggerAuthentication reads them from the Secret", lambda: (
            m.get("TriggerAuthentication", ta)["spec"]["secretTargetRef"] == [
                {"parameter": "username", "name": f"{FULL}-connections", "key": "FEEDBACK_KAFKA_SASL_USERNAME"},
                {"parameter": "password", "name": f"{FULL}-connections", "key": "FEEDBACK_KAFKA_SASL_PASSWORD"}]))
        t.check("keda-sasl: triggers use scram_sha512 over TLS with that authentication", lambda: all(
            tr["metadata"]["sasl"] == "scram_sha512" and tr["metadata"]["tls"] == "enable"
            and tr["authenticationRef"] == {"name": ta}
            for tr in m.get("ScaledObject", f"{FULL}-consumer")["spec"]["triggers"]))
        t.check("keda-sasl: limitToPartitionsWithLag and excludePersistentLag reach the triggers", lambda: all(
            tr["metadata"]["limitToPartitionsWithLag"] == "true" and tr["metadata"]["excludePersistentLag"] == "true"
            for tr in m.get("ScaledObject", f"{FULL}-consumer")["spec"]["triggers"]))
        t.check("keda-sasl: no flusher ScaledObject when only the consumer's is on",
                lambda: not m.has("ScaledObject", f"{FULL}-flusher"))


def test_existing_secret(t):
    m = t.render("existing-secret", t.ci("existing-secret"))
    if m is None:
        return
    t.check("existing-secret: chart renders no Secret", lambda: (not m.all("Secret"), m.kinds()))
    t.check("existing-secret: both roles read the named Secret", lambda: all(
        m.container(r)["envFrom"][1] == {"secretRef": {"name": "feedback-conn"}} for r in ROLES))
    t.check("existing-secret: no checksum of a Secret the chart does not own", lambda: all(
        "checksum/secret" not in m.deployment(r)["spec"]["template"]["metadata"]["annotations"] for r in ROLES))
    t.check("existing-secret: KEDA's TriggerAuthentication points at it too", lambda: all(
        ref["name"] == "feedback-conn"
        for ref in m.get("TriggerAuthentication", f"{FULL}-consumer-kafka")["spec"]["secretTargetRef"]))


def test_kafka_tls(t):
    m = t.render("kafka-tls-files", t.ci("kafka-tls-files"))
    if m is not None:
        t.check("kafka-tls-files: ConfigMap points the *_LOCATION variables at the mounted files", lambda: (subset({
            "FEEDBACK_KAFKA_SECURITY_PROTOCOL": "ssl",
            "FEEDBACK_KAFKA_SSL_CA_LOCATION": f"{TLS_MOUNT}/ca/ca.crt",
            "FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION": f"{TLS_MOUNT}/client/user.crt",
            "FEEDBACK_KAFKA_SSL_KEY_LOCATION": f"{TLS_MOUNT}/client/user.key",
            "FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION": "https",
            "FEEDBACK_SOURCE_ID": "eu-prod.2"}, m.config()), m.config()))
        t.check("kafka-tls-files: the key password is in the Secret, no PEM keys", lambda: (
            m.secret_data().get("FEEDBACK_KAFKA_SSL_KEY_PASSWORD") == "key-pw"
            and not {"FEEDBACK_KAFKA_SSL_CA_PEM", "FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM", "FEEDBACK_KAFKA_SSL_KEY_PEM"}
            & set(m.secret_data()), m.secret_data()))
        for role in ROLES:
            t.check(f"kafka-tls-files/{role}: both Secrets mounted read-only under {TLS_MOUNT}", lambda role=role: (
                mounts(m.container(role)) == {"/tmp": "tmp", f"{TLS_MOUNT}/ca": "kafka-tls-ca",
                                              f"{TLS_MOUNT}/client": "kafka-tls-client"}
                and all(v.get("readOnly") for v in m.container(role)["volumeMounts"] if v["name"].startswith("kafka-tls")),
                m.container(role).get("volumeMounts")))
            t.check(f"kafka-tls-files/{role}: volumes project only the named keys, mode 0440", lambda role=role: (
                volumes(m.deployment(role))["kafka-tls-ca"]["secret"] == {
                    "secretName": "kafka-cluster-ca-cert", "defaultMode": 0o440,
                    "items": [{"key": "ca.crt", "path": "ca.crt"}]}
                and volumes(m.deployment(role))["kafka-tls-client"]["secret"] == {
                    "secretName": "feedback-user", "defaultMode": 0o440,
                    "items": [{"key": "user.crt", "path": "user.crt"}, {"key": "user.key", "path": "user.key"}]},
                volumes(m.deployment(role))))
        t.check("kafka-tls-files: KEDA's TriggerAuthentication reads the same CA, certificate, key and password", lambda: (
            sorted((r["parameter"], r["name"], r["key"]) for r in m.get(
                "TriggerAuthentication", f"{FULL}-consumer-kafka")["spec"]["secretTargetRef"]) == sorted([
                    ("ca", "kafka-cluster-ca-cert", "ca.crt"), ("cert", "feedback-user", "user.crt"),
                    ("key", "feedback-user", "user.key"), ("keyPassword", f"{FULL}-connections",
                                                           "FEEDBACK_KAFKA_SSL_KEY_PASSWORD")])
            and all(tr["metadata"]["tls"] == "enable" and tr["authenticationRef"] == {"name": f"{FULL}-consumer-kafka"}
                    for tr in m.get("ScaledObject", f"{FULL}-consumer")["spec"]["triggers"])))

    m = t.render("kafka-tls-pem", t.ci("kafka-tls-pem"))
    if m is not None:
        t.check("kafka-tls-pem: the Secret carries the PEM text as given", lambda: (subset({
            "FEEDBACK_KAFKA_SSL_CA_PEM": CA_PEM, "FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM": CERT_PEM,
            "FEEDBACK_KAFKA_SSL_KEY_PEM": KEY_PEM}, m.secret_data()), sorted(m.secret_data())))
        t.check("kafka-tls-pem: no *_LOCATION variables and no TLS volumes", lambda: (
            not {"FEEDBACK_KAFKA_SSL_CA_LOCATION", "FEEDBACK_KAFKA_SSL_CERTIFICATE_LOCATION",
                 "FEEDBACK_KAFKA_SSL_KEY_LOCATION"} & set(m.config())
            and all(not any(n.startswith("kafka-tls") for n in volumes(m.deployment(r))) for r in ROLES)))
        t.check("kafka-tls-pem: endpoint identification none reaches the ConfigMap",
                lambda: m.config()["FEEDBACK_KAFKA_SSL_ENDPOINT_IDENTIFICATION"] == "none")
        t.check("kafka-tls-pem: KEDA reads SASL and the PEM keys from the chart's Secret", lambda: sorted(
            (r["parameter"], r["key"]) for r in m.get(
                "TriggerAuthentication", f"{FULL}-consumer-kafka")["spec"]["secretTargetRef"]) == sorted([
                    ("username", "FEEDBACK_KAFKA_SASL_USERNAME"), ("password", "FEEDBACK_KAFKA_SASL_PASSWORD"),
                    ("ca", "FEEDBACK_KAFKA_SSL_CA_PEM"), ("cert", "FEEDBACK_KAFKA_SSL_CERTIFICATE_PEM"),
                    ("key", "FEEDBACK_KAFKA_SSL_KEY_PEM")]))

    m = t.render("kafka-tls-existing-secret", ["--set", "existingSecret=feedback-conn",
                                               "--set", "config.kafkaSecurityProtocol=ssl",
                                               "--set", "kafkaTls.ca.secretName=kafka-ca"])
    if m is not None:
        t.check("kafka-tls-existing-secret: mounted CA with a Secret you manage for the rest", lambda: (
            m.config().get("FEEDBACK_KAFKA_SSL_CA_LOCATION") == f"{TLS_MOUNT}/ca/ca.crt" and not m.all("Secret")))


def test_file_sink(t):
    m = t.render("file-sink", ["--set", "config.sink=file"])
    if m is not None:
        t.check("file-sink: FEEDBACK_SINK=file", lambda: m.config()["FEEDBACK_SINK"] == "file")
        t.check("file-sink: flusher mounts an emptyDir at /data", lambda: (
            mounts(m.container("flusher")) == {"/tmp": "tmp", "/data": "data"}
            and volumes(m.deployment("flusher"))["data"] == {"name": "data", "emptyDir": {}}))
        t.check("file-sink: consumer has no /data", lambda: "/data" not in mounts(m.container("consumer")))
        t.check("file-sink: FEEDBACK_SINK_FILE_PATH is under the mounted /data",
                lambda: m.config()["FEEDBACK_SINK_FILE_PATH"].startswith("/data/"))
    m = t.render("file-sink-pvc", t.ci("file-sink-pvc"))
    if m is not None:
        t.check("file-sink-pvc: /data from the given claim", lambda: volumes(m.deployment("flusher"))["data"] == {
            "name": "data", "persistentVolumeClaim": {"claimName": "feedback-data"}})


def test_service_monitor(t):
    api = ["--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"]
    m = t.render("servicemonitor-no-crd", ["--set", "serviceMonitor.enabled=true"])
    if m is not None:
        t.check("servicemonitor-no-crd: enabled but CRD absent renders none", lambda: not m.all("ServiceMonitor"))
    m = t.render("servicemonitor-disabled", api)
    if m is not None:
        t.check("servicemonitor-disabled: CRD present but disabled renders none", lambda: not m.all("ServiceMonitor"))
    m = t.render("servicemonitor", ["--set", "serviceMonitor.enabled=true", "--set", "serviceMonitor.labels.release=kps",
                                    *api])
    if m is not None:
        sm = lambda: m.get("ServiceMonitor", FULL)
        t.check("servicemonitor: scrapes /metrics on the http port every 30s", lambda: (
            sm()["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s",
                                           "scrapeTimeout": "10s"}]))
        t.check("servicemonitor: selects the chart's Service", lambda: subset(
            sm()["spec"]["selector"]["matchLabels"], m.get("Service", FULL)["metadata"]["labels"]))
        t.check("servicemonitor: extra labels and the role as a target label", lambda: (
            sm()["metadata"]["labels"].get("release") == "kps"
            and sm()["spec"]["podTargetLabels"] == ["app.kubernetes.io/component"]))


def github_anchors(markdown):
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if m:
            text = re.sub(r"[`*_]", "", m.group(1)).lower()
            anchors.add(re.sub(r"[^a-z0-9 -]", "", text).replace(" ", "-"))
    return anchors


def metric_names(text):
    """feedback_* names in PromQL text, without the histogram series suffixes."""
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in re.findall(r"feedback_[a-z_]+", text)}


def rule_list(m):
    rule = m.get("PrometheusRule", FULL)
    return [r for g in rule["spec"]["groups"] for r in g["rules"]]


def test_prometheus_rule(t, out):
    m = t.render("prometheusrule-no-crd", ["--set", "metrics.prometheusRule.enabled=true"])
    if m is not None:
        t.check("prometheusrule-no-crd: enabled but CRD absent renders none", lambda: not m.all("PrometheusRule"))
    m = t.render("prometheusrule-disabled", OPERATOR_APIS)
    if m is not None:
        t.check("prometheusrule-disabled: CRD present but disabled renders none", lambda: not m.all("PrometheusRule"))
    m = t.render("prometheusrule", ["--set", "metrics.prometheusRule.enabled=true", *OPERATOR_APIS])
    if m is None:
        return
    rules = lambda: rule_list(m)
    if out:
        with open(os.path.join(out, "rules.yaml"), "w", encoding="utf-8") as f:
            yaml.safe_dump(m.get("PrometheusRule", FULL)["spec"], f, sort_keys=False)
    with open(os.path.join(t.root, "docs", "OPERATIONS.md"), encoding="utf-8") as f:
        anchors = github_anchors(f.read())
    t.check("prometheusrule: 26 alerts, each named FeedbackRedis*, none twice", lambda: (
        len(rules()) == 26 and len({r["alert"] for r in rules()}) == 26
        and all(re.fullmatch("FeedbackRedis[A-Za-z]+", r["alert"]) for r in rules()), [r["alert"] for r in rules()]))
    t.check("prometheusrule: every alert has a severity (critical, warning), a summary and a description", lambda: all(
        r["labels"]["severity"] in ("critical", "warning") and r["annotations"]["summary"] and r["annotations"]["description"]
        for r in rules()))
    t.check("prometheusrule: runbook_url is docs/OPERATIONS.md#<alert>, a heading of docs/OPERATIONS.md", lambda: (
        all(r["annotations"]["runbook_url"] == f"docs/OPERATIONS.md#{r['alert'].lower()}"
            and r["alert"].lower() in anchors for r in rules()),
        [r["alert"] for r in rules() if r["alert"].lower() not in anchors]))
    t.check("prometheusrule: every series selector carries this release's job and namespace", lambda: all(
        all('job="rel-feedback-redis",namespace="fb"' in sel for sel in re.findall(r"feedback_[a-z_]+\{[^}]*\}", r["expr"]))
        and re.search(r"feedback_[a-z_]+\{", r["expr"]) for r in rules()))
    t.check("prometheusrule: thresholds from the default config (80% of 1,000,000 pending, 2 x 300 s, lease / 3)", lambda: (
        "> 800000" in next(r["expr"] for r in rules() if r["alert"] == "FeedbackRedisPendingNearHighWater")
        and "> 500000" in next(r["expr"] for r in rules() if r["alert"] == "FeedbackRedisDeadEventsNearMark")
        and "> 600" in next(r["expr"] for r in rules() if r["alert"] == "FeedbackRedisOldestOpenBatchTooOld")
        and "> 332" in next(r["expr"] for r in rules() if r["alert"] == "FeedbackRedisBatchAgeHigh")
        and "> 10" in next(r["expr"] for r in rules() if r["alert"] == "FeedbackRedisSinkWritesSlow")))
    with open(os.path.join(t.chart, "templates", "prometheusrule.yaml"), encoding="utf-8") as f:
        template_names = metric_names(f.read())
    rendered_names = set().union(*(metric_names(r["expr"]) for r in rules()))
    t.check("prometheusrule: the metric names rendered are exactly those written in the template "
            "(what tests/FeedbackRedis.Tests/Chart/MetricNamesTests.cs checks against a scrape)",
            lambda: (rendered_names == template_names, sorted(rendered_names ^ template_names)))

    m = t.render("prometheusrule-tuned", ["--set", "metrics.prometheusRule.enabled=true", *OPERATOR_APIS,
                                          "--set", "config.pendingHighWater=2000000", "--set", "config.pendingLowWater=1000000",
                                          "--set", "config.deadHighWater=0", "--set", "config.batchTimeMs=60000",
                                          "--set", "config.leaseMs=90000",
                                          "--set", "metrics.prometheusRule.disabled={FeedbackRedisSinkIdConflicts}",
                                          "--set-string", 'metrics.prometheusRule.seriesSelector=service="fb-a"',
                                          "--set", "metrics.prometheusRule.runbookBaseUrl=https://runbooks.example/feedback/"])
    if m is not None:
        by = lambda name: next((r for r in rule_list(m) if r["alert"] == name), None)
        t.check("prometheusrule-tuned: thresholds follow config (1,600,000 pending, 120 s open age, lease 30 s)", lambda: (
            "> 1600000" in by("FeedbackRedisPendingNearHighWater")["expr"]
            and "> 120" in by("FeedbackRedisOldestOpenBatchTooOld")["expr"]
            and "> 30" in by("FeedbackRedisSinkWritesSlow")["expr"]
            and "> 152" in by("FeedbackRedisBatchAgeHigh")["expr"]))
        t.check("prometheusrule-tuned: no dead-events alert when config.deadHighWater is 0 (off), and disabled alerts left out",
                lambda: by("FeedbackRedisDeadEventsNearMark") is None and by("FeedbackRedisSinkIdConflicts") is None
                and len(rule_list(m)) == 24)
        t.check("prometheusrule-tuned: seriesSelector replaces the default matchers", lambda: all(
            'service="fb-a"' in r["expr"] and "rel-feedback-redis" not in r["expr"] for r in rule_list(m)))
        t.check("prometheusrule-tuned: runbook base URL without its trailing slash", lambda: all(
            r["annotations"]["runbook_url"] == f"https://runbooks.example/feedback#{r['alert'].lower()}" for r in rule_list(m)))


def test_observability(t):
    m = t.render("observability", [*t.ci("observability"), *OPERATOR_APIS])
    if m is None:
        return
    t.check("observability: PrometheusRule with the operator's release label, alerts with the team label", lambda: (
        m.get("PrometheusRule", FULL)["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        and all(r["labels"]["team"] == "platform" for r in rule_list(m))
        and all(r["annotations"]["runbook_url"].startswith(
            "https://git.example.com/feedback-redis/blob/main/docs/OPERATIONS.md#") for r in rule_list(m))))
    dash = lambda: m.get("ConfigMap", f"{FULL}-dashboard")
    with open(os.path.join(t.chart, "dashboards", "feedback-redis.json"), encoding="utf-8") as f:
        shipped = json.load(f)
    t.check("observability: dashboard ConfigMap labelled grafana_dashboard \"1\", folder annotation", lambda: (
        dash()["metadata"]["labels"]["grafana_dashboard"] == "1"
        and dash()["metadata"]["annotations"]["grafana_folder"] == "FeedbackRedis"))
    t.check("observability: the ConfigMap holds dashboards/feedback-redis.json unchanged",
            lambda: json.loads(dash()["data"]["feedback-redis.json"]) == shipped)
    panels = [p for p in shipped["panels"] if p["type"] != "row"]
    exprs = " ".join(tg["expr"] for p in panels for tg in p["targets"])
    t.check("dashboard: panels for flow, batches by state and trigger, batch age, sink, Redis, lag, pauses", lambda: all(
        n in exprs for n in ("feedback_consumer_appended_total", "feedback_consumer_dead_letters_total",
                             "feedback_flusher_events_flushed_total", "feedback_store_batches",
                             "feedback_flusher_batches_flushed_total", "feedback_flusher_batch_age_seconds_bucket",
                             "feedback_sink_write_duration_seconds_bucket", "feedback_sink_writes_total",
                             "feedback_redis_duration_seconds_count", "feedback_consumer_lag",
                             "feedback_consumer_pauses_total")))
    t.check("dashboard: every query uses the data source variable and the namespace and job variables", lambda: all(
        p["datasource"]["uid"] == "${datasource}" and all('namespace="$ns"' in tg["expr"] and 'job=~"$job"' in tg["expr"]
                                                          for tg in p["targets"]) for p in panels))
    t.check("dashboard: unique panel ids, uid feedback-redis", lambda: (
        len({p["id"] for p in shipped["panels"]}) == len(shipped["panels"]) and shipped["uid"] == "feedback-redis"))
    for role in ROLES:
        t.check(f"observability/{role}: OTEL_* variables from otel.*", lambda role=role: (
            {e["name"]: e["value"] for e in m.container(role)["env"] if e["name"].startswith("OTEL_")} == {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.monitoring.svc:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_SERVICE_NAME": "feedback-redis",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod,service.namespace=feedback"},
            m.container(role)["env"]))
        t.check(f"observability/{role}: commonLabels on the pods, not in the selector", lambda role=role: (
            m.deployment(role)["spec"]["template"]["metadata"]["labels"]["team"] == "platform"
            and "team" not in m.deployment(role)["spec"]["selector"]["matchLabels"]))
    t.check("observability: commonLabels and commonAnnotations on every object", lambda: (
        all(d["metadata"]["labels"].get("team") == "platform"
            and d["metadata"].get("annotations", {}).get("owner") == "feedback-team@example.com" for d in m.docs),
        [f"{d['kind']}/{d['metadata']['name']}" for d in m.docs if d["metadata"].get("annotations", {}).get("owner") is None]))
    np = lambda: m.get("NetworkPolicy", FULL)["spec"]
    t.check("observability: NetworkPolicy selects both roles' pods", lambda: all(
        subset(np()["podSelector"]["matchLabels"], m.deployment(r)["spec"]["template"]["metadata"]["labels"]) for r in ROLES))
    t.check("observability: ingress to the http port from the monitoring namespace only", lambda: np()["ingress"] == [{
        "ports": [{"port": "http", "protocol": "TCP"}],
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}])
    t.check("observability: egress restricted to DNS plus Redis, Kafka and the collector", lambda: (
        np()["policyTypes"] == ["Ingress", "Egress"] and len(np()["egress"]) == 4
        and np()["egress"][0]["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]))

    m = t.render("networkpolicy-open-egress", ["--set", "networkPolicy.enabled=true"])
    if m is not None:
        t.check("networkpolicy-open-egress: Ingress only, http from anywhere", lambda: (
            m.get("NetworkPolicy", FULL)["spec"]["policyTypes"] == ["Ingress"]
            and m.get("NetworkPolicy", FULL)["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
            and "egress" not in m.get("NetworkPolicy", FULL)["spec"]))
    m = t.render("otel-endpoint-only", ["--set", "otel.endpoint=http://collector:4318"])
    if m is not None:
        t.check("otel-endpoint-only: only OTEL_EXPORTER_OTLP_ENDPOINT is set", lambda: all(
            [e["name"] for e in m.container(r)["env"] if e["name"].startswith("OTEL_")] == ["OTEL_EXPORTER_OTLP_ENDPOINT"]
            for r in ROLES))


def test_off_by_default(t, defaults):
    if defaults is None:
        return
    t.check("defaults: no OTEL_* variables, no NetworkPolicy, dashboard or PrometheusRule", lambda: (
        all(not any(e["name"].startswith("OTEL_") for e in defaults.container(r)["env"]) for r in ROLES)
        and not defaults.all("NetworkPolicy") and not defaults.all("PrometheusRule")
        and not defaults.has("ConfigMap", f"{FULL}-dashboard")))
    t.check("defaults: no object carries annotations of commonAnnotations (none set)", lambda: all(
        "annotations" not in d["metadata"] for d in defaults.docs if d["kind"] not in ("Service", "ServiceAccount")))


def test_ci_values(t):
    folder = os.path.join(t.chart, "ci")
    files = sorted(f for f in os.listdir(folder) if f.endswith("-values.yaml"))
    t.check("every ci/*-values.yaml is a rendered and asserted scenario",
            lambda: (bool(files) and set(files) == t.ci_used, sorted(set(files) ^ t.ci_used)))


def test_notes(t):
    """NOTES.txt is not printed by helm template: render it through a probe template in a copy of the chart."""
    copy = os.path.join(t.tmp, "notes-chart")
    shutil.copytree(t.chart, copy)
    with open(os.path.join(copy, "templates", "NOTES.txt"), encoding="utf-8") as f:
        notes = f.read()
    with open(os.path.join(copy, "templates", "_notesprobe.tpl"), "w", encoding="utf-8") as f:
        f.write('{{- define "notesprobe.text" -}}\n' + notes + "\n{{- end }}\n")
    with open(os.path.join(copy, "templates", "notesprobe.yaml"), "w", encoding="utf-8") as f:
        f.write('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\n'
                'data:\n  notes: {{ include "notesprobe.text" . | toJson }}\n')

    def notes_for(args):
        rc, out, err = t.helm_template(["--show-only", "templates/notesprobe.yaml", *args], chart=copy)
        if rc != 0:
            raise RuntimeError(err.strip())
        return yaml.safe_load(out)["data"]["notes"]

    t.check("notes: how to check pods, readiness and metrics", lambda: all(s in notes_for([]) for s in (
        f"kubectl -n {NAMESPACE} get pods -l app.kubernetes.io/instance={RELEASE}",
        f"kubectl -n {NAMESPACE} port-forward svc/{FULL} 8080:8080",
        "curl -fsS http://127.0.0.1:8080/healthz/ready", "curl -fsS http://127.0.0.1:8080/metrics")))
    t.check("notes: feedbackctl through the flusher Deployment",
            lambda: f"kubectl -n {NAMESPACE} exec deploy/{FULL}-flusher -- /app/feedbackctl status" in notes_for([]))
    t.check("notes: feedbackctl through the consumer when the flusher is off", lambda: (
        f"exec deploy/{FULL}-consumer -- /app/feedbackctl status" in notes_for(["--set", "flusher.enabled=false"])))
    t.check("notes: redis-cli in the cluster", lambda: "redis-cli -h <redis-host>" in notes_for([]))
    t.check("notes: warns when a ServiceMonitor was asked for but the CRD is missing", lambda: (
        "WARNING: serviceMonitor.enabled" in notes_for(["--set", "serviceMonitor.enabled=true"])
        and "WARNING" not in notes_for([])))
    t.check("notes: warns when a PrometheusRule was asked for but the CRD is missing", lambda: (
        "WARNING: metrics.prometheusRule.enabled" in notes_for(["--set", "metrics.prometheusRule.enabled=true"])
        and "WARNING" not in notes_for(["--set", "metrics.prometheusRule.enabled=true", *OPERATOR_APIS])))


# Values the chart must refuse, each with fragments its error message must contain.
REFUSALS = [
    ("config.flushDrainMs not below shutdownTimeoutMs", ["--set", "config.flushDrainMs=25000"],
     ["config.flushDrainMs=25000 must be below shutdownTimeoutMs=25000"]),
    ("config.consumerSessionTimeoutMs 1000", ["--set", "config.consumerSessionTimeoutMs=1000"],
     ["config.consumerSessionTimeoutMs", "greater than or equal to 3000"]),
    ("consumer.replicas -1", ["--set", "consumer.replicas=-1"],
     ["consumer.replicas", "greater than or equal to 0"]),
    ("flusher.replicas 1.5", ["--set", "flusher.replicas=1.5"], ["flusher.replicas", "integer"]),
    ("config.batchSize 0", ["--set", "config.batchSize=0"], ["config.batchSize", "greater than or equal to 1"]),
    ("config.batchSize 100001", ["--set", "config.batchSize=100001"],
     ["config.batchSize", "less than or equal to 100000"]),
    ("config.maxReactionNames 0", ["--set", "config.maxReactionNames=0"],
     ["config.maxReactionNames", "greater than or equal to 1"]),
    ("config.maxReactionNames 10001", ["--set", "config.maxReactionNames=10001"],
     ["config.maxReactionNames", "less than or equal to 10000"]),
    ("config.redisWaitReplicas -1", ["--set", "config.redisWaitReplicas=-1"],
     ["config.redisWaitReplicas", "greater than or equal to 0"]),
    ("config.redisWaitReplicas 17", ["--set", "config.redisWaitReplicas=17"],
     ["config.redisWaitReplicas", "less than or equal to 16"]),
    ("config.redisWaitTimeoutMs 9", ["--set", "config.redisWaitTimeoutMs=9"],
     ["config.redisWaitTimeoutMs", "greater than or equal to 10"]),
    ("config.redisWaitTimeoutMs 60001", ["--set", "config.redisWaitTimeoutMs=60001"],
     ["config.redisWaitTimeoutMs", "less than or equal to 60000"]),
    ("config.redisPersistenceCheck bogus", ["--set", "config.redisPersistenceCheck=bogus"],
     ["config.redisPersistenceCheck", '"refuse", "warn"']),
    ("config.batchingMode bogus", ["--set", "config.batchingMode=bogus"],
     ["config.batchingMode", '"agent", "global", "hybrid"']),
    ("config.sink bogus", ["--set", "config.sink=bogus"], ["config.sink", '"mongodb", "file"']),
    ("config.batchTimeMs 0", ["--set", "config.batchTimeMs=0"], ["config.batchTimeMs", "greater than or equal to 1"]),
    ("config.leaseMs -1", ["--set", "config.leaseMs=-1"], ["config.leaseMs", "greater than or equal to 1"]),
    ("config.flushPollMs as text", ["--set-string", "config.flushPollMs=1s"], ["config.flushPollMs", "integer"]),
    ("shutdownTimeoutMs 0", ["--set", "shutdownTimeoutMs=0"], ["shutdownTimeoutMs", "greater than or equal to 1"]),
    ("config.clock bogus", ["--set", "config.clock=bogus"], ["config.clock", '"redis", "local"']),
    ("config.kafkaSecurityProtocol bogus", ["--set", "config.kafkaSecurityProtocol=bogus"],
     ["config.kafkaSecurityProtocol"]),
    ("config.sinkFilePath outside /data", ["--set", "config.sinkFilePath=/var/feedback.jsonl"],
     ["config.sinkFilePath", "/data"]),
    ("unknown key config.batchsize", ["--set", "config.batchsize=10"],
     ["config", "Additional property batchsize is not allowed"]),
    ("terminationGracePeriodSeconds equal to the shutdown timeout", ["--set", "terminationGracePeriodSeconds=25"],
     ["terminationGracePeriodSeconds=25", "shutdownTimeoutMs=25000", "must be greater than"]),
    ("terminationGracePeriodSeconds below the shutdown timeout",
     ["--set", "shutdownTimeoutMs=60000", "--set", "terminationGracePeriodSeconds=30"],
     ["terminationGracePeriodSeconds=30", "shutdownTimeoutMs=60000"]),
    ("consumer HPA and KEDA together", ["--set", "consumer.hpa.enabled=true", "--set", "consumer.keda.enabled=true"],
     ["consumer.hpa.enabled and consumer.keda.enabled are both true"]),
    ("flusher HPA and KEDA together", ["--set", "flusher.hpa.enabled=true", "--set", "flusher.keda.enabled=true"],
     ["flusher.hpa.enabled and flusher.keda.enabled are both true"]),
    ("both roles disabled", ["--set", "consumer.enabled=false", "--set", "flusher.enabled=false"],
     ["consumer.enabled and flusher.enabled are both false"]),
    ("pendingLowWater above pendingHighWater", ["--set", "config.pendingLowWater=2000000"],
     ["config.pendingLowWater=2000000", "config.pendingHighWater=1000000"]),
    ("PDB with both minAvailable and maxUnavailable", ["--set", "flusher.pdb.minAvailable=1"],
     ["flusher.pdb.minAvailable and flusher.pdb.maxUnavailable are both set"]),
    ("extraConfig overriding a managed variable", ["--set", "extraConfig.FEEDBACK_BATCH_SIZE=7"],
     ["extraConfig.FEEDBACK_BATCH_SIZE"]),
    ("no Redis connection and no existingSecret", ["--set", "connections.redis="],
     ["connections.redis is required unless existingSecret"]),
    ("TLS files with a plaintext protocol", ["--set", "kafkaTls.ca.secretName=kafka-ca"],
     ["kafkaTls.ca.secretName set but config.kafkaSecurityProtocol=plaintext does not use TLS"]),
    ("TLS PEM with sasl_plaintext", ["--set", "config.kafkaSecurityProtocol=sasl_plaintext",
                                     "--set", "connections.kafkaSaslUsername=svc", "--set", "connections.kafkaSaslPassword=pw",
                                     "--set-string", f"connections.kafkaSslCaPem={CA_PEM}"],
     ["connections.kafkaSslCaPem set but config.kafkaSecurityProtocol=sasl_plaintext does not use TLS"]),
    ("endpoint identification none with plaintext", ["--set", "config.kafkaSslEndpointIdentification=none"],
     ["config.kafkaSslEndpointIdentification=none set but config.kafkaSecurityProtocol=plaintext"]),
    ("endpoint identification bogus", ["--set", "config.kafkaSslEndpointIdentification=off"],
     ["config.kafkaSslEndpointIdentification", '"https", "none"']),
    ("the CA both as a mounted file and as PEM", ["--set", "config.kafkaSecurityProtocol=ssl",
                                                  "--set", "kafkaTls.ca.secretName=kafka-ca",
                                                  "--set-string", f"connections.kafkaSslCaPem={CA_PEM}"],
     ["kafkaTls.ca.secretName and connections.kafkaSslCaPem are both set"]),
    ("the client certificate both as mounted files and as PEM", ["--set", "config.kafkaSecurityProtocol=ssl",
                                                                 "--set", "kafkaTls.client.secretName=user",
                                                                 "--set-string", f"connections.kafkaSslCertificatePem={CERT_PEM}",
                                                                 "--set-string", f"connections.kafkaSslKeyPem={KEY_PEM}"],
     ["kafkaTls.client.secretName and connections.kafkaSslCertificatePem/kafkaSslKeyPem are both set"]),
    ("a client certificate PEM without its key", ["--set", "config.kafkaSecurityProtocol=ssl",
                                                  "--set-string", f"connections.kafkaSslCertificatePem={CERT_PEM}"],
     ["connections.kafkaSslCertificatePem and connections.kafkaSslKeyPem go together"]),
    ("a key password without a key", ["--set", "config.kafkaSecurityProtocol=ssl",
                                      "--set", "connections.kafkaSslKeyPassword=pw"],
     ["connections.kafkaSslKeyPassword is set without a client key"]),
    ("PEM text that is not PEM", ["--set", "config.kafkaSecurityProtocol=ssl", "--set", "connections.kafkaSslCaPem=/etc/ca.crt"],
     ["connections.kafkaSslCaPem", "Does not match pattern"]),
    ("a source id with a slash", ["--set", "config.sourceId=eu/prod"], ["config.sourceId", "Does not match pattern"]),
    ("commonLabels repeating a chart label", ["--set-string", "commonLabels.app\\.kubernetes\\.io/name=other"],
     ["commonLabels.app.kubernetes.io/name is a label the chart sets itself"]),
    ("KEDA limitToPartitionsWithLag with allowIdleConsumers",
     ["--set", "consumer.keda.limitToPartitionsWithLag=true", "--set", "consumer.keda.allowIdleConsumers=true"],
     ["consumer.keda.limitToPartitionsWithLag and consumer.keda.allowIdleConsumers are both true"]),
    ("otel.protocol bogus", ["--set", "otel.protocol=thrift"], ["otel.protocol", '"grpc", "http/protobuf"']),
    ("otel.endpoint without a scheme", ["--set", "otel.endpoint=collector:4317"], ["otel.endpoint", "Does not match pattern"]),
    ("otel.resourceAttributes value with a comma", ["--set-string", "otel.resourceAttributes.team=a\\,b"],
     ["otel.resourceAttributes.team", "Does not match pattern"]),
    ("metrics.prometheusRule.seriesSelector not PromQL matchers", ["--set-string", "metrics.prometheusRule.seriesSelector=job"],
     ["metrics.prometheusRule.seriesSelector", "Does not match pattern"]),
    ("unknown key metrics.prometheusRule.enable", ["--set", "metrics.prometheusRule.enable=true"],
     ["Additional property enable is not allowed"]),
    ("SASL without credentials", ["--set", "config.kafkaSecurityProtocol=sasl_ssl",
                                  "--set", "connections.kafkaSaslUsername=svc"],
     ["config.kafkaSecurityProtocol=sasl_ssl needs connections.kafkaSaslUsername and connections.kafkaSaslPassword"]),
]


def test_refusals(t):
    for name, args, fragments in REFUSALS:
        def refused(args=args, fragments=fragments):
            rc, _, err = t.helm_template(args)
            missing = [f for f in fragments if f not in err]
            return rc != 0 and not missing, f"exit {rc}; missing {missing}; stderr: {err.strip()}"
        t.check(f"refuses {name}", refused)


def test_yamllint(t):
    config = os.path.join(t.root, ".yamllint")
    for scenario, path in sorted(t.rendered_files.items()):
        def lint(path=path):
            proc = subprocess.run(["yamllint", "-f", "parsable", "-c", config, path], capture_output=True, text=True)
            return proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
        t.check(f"yamllint clean: rendered {scenario}", lint)


def test_chart_files(t):
    with open(os.path.join(t.chart, "Chart.yaml"), encoding="utf-8") as f:
        chart = yaml.safe_load(f)
    t.check("Chart.yaml: apiVersion v2, application, no dependencies", lambda: (
        chart["apiVersion"] == "v2" and chart.get("type") == "application" and "dependencies" not in chart
        and not os.path.exists(os.path.join(t.chart, "charts"))))
    t.check("Chart.yaml: appVersion is the default image tag", lambda: chart["appVersion"] == APP_VERSION)
    with open(os.path.join(t.chart, "values.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    t.check("values.schema.json: JSON schema draft-07",
            lambda: schema["$schema"] == "http://json-schema.org/draft-07/schema#")
    with open(os.path.join(t.chart, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    names = sorted(set(DEFAULT_CONFIG) | CONNECTION_KEYS | OPTIONAL_CONFIG_KEYS | {"FEEDBACK_ROLE"})
    t.check("chart README names every FEEDBACK_* variable",
            lambda: (all(n in readme for n in names), [n for n in names if n not in readme]))
    with open(os.path.join(t.chart, "values.yaml"), encoding="utf-8") as f:
        values = yaml.safe_load(f)
    leaves = []

    def walk(prefix, node):
        if isinstance(node, dict) and node and prefix not in OPAQUE_VALUES:
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            leaves.append(prefix)
    walk("", values)
    t.check("chart README's values table lists every value",
            lambda: (all(f"`{leaf}`" in readme for leaf in leaves), [x for x in leaves if f"`{x}`" not in readme]))
    for word in ("bitnami/redis", "maxmemory-policy noeviction", "appendonly yes", "Strimzi", "bitnami/kafka",
                 "bitnami/mongodb"):
        t.check(f"chart README pairs with other charts: mentions {word}", lambda word=word: word in readme)


def test_compose(t):
    with open(os.path.join(t.root, "docker-compose.yml"), encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    t.check("compose: Redis 7 with noeviction and appendonly everysec", lambda: (
        services["redis"]["image"].startswith("redis:7")
        and " ".join(services["redis"]["command"]).endswith(
            "--maxmemory-policy noeviction --appendonly yes --appendfsync everysec")))
    t.check("compose: Kafka (apache/kafka) in KRaft mode", lambda: (
        services["kafka"]["image"].startswith("apache/kafka:")
        and services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"))
    t.check("compose: MongoDB 7", lambda: services["mongodb"]["image"].startswith("mongo:7"))
    roles = sorted((name, s["environment"]["FEEDBACK_ROLE"]) for name, s in services.items()
                   if "FEEDBACK_ROLE" in s.get("environment", {}))
    t.check("compose: two consumers and one flusher", lambda: (
        roles == [("consumer-1", "consumer"), ("consumer-2", "consumer"), ("flusher", "flusher")], roles))
    t.check("compose: every role runs the one image, built from the Dockerfile", lambda: len({
        (services[n]["image"], services[n]["build"]["context"]) for n, _ in roles}) == 1)
    t.check("compose: stop grace above the shutdown timeout", lambda: all(
        int(services[n]["stop_grace_period"].rstrip("s")) * 1000
        > int(services[n]["environment"]["FEEDBACK_SHUTDOWN_TIMEOUT_MS"]) for n, _ in roles))


def test_dockerfile(t):
    with open(os.path.join(t.root, "Dockerfile"), encoding="utf-8") as f:
        text = f.read()
    expect = {
        "build stage on dotnet/sdk:10.0": r"(?m)^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$",
        "runtime stage on dotnet/aspnet:10.0": r"(?m)^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0 AS runtime$",
        "publishes the service": r"dotnet publish src/FeedbackRedis\.Service/FeedbackRedis\.Service\.csproj -c Release -o /app",
        "publishes feedbackctl": r"dotnet publish src/FeedbackRedis\.Cli/FeedbackRedis\.Cli\.csproj -c Release -o /app",
        "runs as uid 10001": r"(?m)^USER 10001:10001$",
        "exposes 8080": r"(?m)^EXPOSE 8080$",
        "entrypoint /app/feedback-redis": r'(?m)^ENTRYPOINT \["/app/feedback-redis"\]$',
    }
    for name, pattern in expect.items():
        t.check(f"Dockerfile: {name}", lambda pattern=pattern: re.search(pattern, text) is not None)
    t.check("Dockerfile: the last USER is the non-root one",
            lambda: re.findall(r"(?m)^USER (.+)$", text)[-1] == "10001:10001")
    with open(os.path.join(t.root, ".dockerignore"), encoding="utf-8") as f:
        ignored = f.read().split()
    t.check(".dockerignore: keeps .git, .local, bin and obj out of the context",
            lambda: {".git/", ".local/", "**/bin/", "**/obj/"} <= set(ignored))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--helm", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", help="keep every rendered manifest (and rules.yaml) in this folder")
    args = parser.parse_args()
    t = Runner(args.helm, args.root)
    try:
        defaults = test_defaults(t)
        sections = [test_roles_disabled, lambda t: test_config_changes(t, defaults), test_autoscaling,
                    test_existing_secret, test_kafka_tls, test_file_sink, test_service_monitor,
                    lambda t: test_prometheus_rule(t, args.out), test_observability,
                    lambda t: test_off_by_default(t, defaults), test_ci_values, test_notes, test_refusals,
                    test_yamllint, test_chart_files, test_compose, test_dockerfile]
        for section in sections:
            try:
                section(t)
            except Exception as exc:  # noqa: BLE001 - e.g. a missing file: report it and go on
                t.check(f"{getattr(section, '__name__', 'section')} could run", lambda exc=exc: (False, repr(exc)))
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            for scenario, path in t.rendered_files.items():
                shutil.copy(path, os.path.join(args.out, f"{scenario}.yaml"))
    finally:
        shutil.rmtree(t.tmp, ignore_errors=True)
    print(f"# checks complete: {t.passed + t.failed}")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
