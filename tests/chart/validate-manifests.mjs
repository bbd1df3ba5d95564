// Validates rendered manifests against real schemas, offline:
//   1. kubernetes-models (Kubernetes 1.x core kinds), @kubernetes-models/keda and @kubernetes-models/prometheus-operator:
//      types, enums, required fields (their generated validators);
//   2. unknown fields, which those validators let through: every key of every object must be one the kind's schema
//      knows. The validator is run on a proxy that records which keys it reads; a key it never reads is not in the
//      schema (maps, which it enumerates, and free-form objects, of which it reads nothing, are left alone);
//   3. for core kinds also @kubernetes/client-node's generated models (their attribute maps), an independent list.
//
// usage: node validate-manifests.mjs FILE...                 every object in every file must pass
//        node validate-manifests.mjs --expect-invalid FILE...  every file must fail, with the text of its
//                                                              "# expect: ..." comment in the errors
// Prints "ok - ..." / "not ok - ..." per file (details as "#   ..." lines); exit 1 on any "not ok".
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as clientModels from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";

const MODELS = {
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "ConfigMap", "V1ConfigMap"],
  "v1/Secret": ["kubernetes-models/v1/Secret", "Secret", "V1Secret"],
  "v1/Service": ["kubernetes-models/v1/Service", "Service", "V1Service"],
  "v1/ServiceAccount": ["kubernetes-models/v1/ServiceAccount", "ServiceAccount", "V1ServiceAccount"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1/Deployment", "Deployment", "V1Deployment"],
  "policy/v1/PodDisruptionBudget": ["kubernetes-models/policy/v1/PodDisruptionBudget", "PodDisruptionBudget", "V1PodDisruptionBudget"],
  "autoscaling/v2/HorizontalPodAutoscaler": ["kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler", "HorizontalPodAutoscaler", "V2HorizontalPodAutoscaler"],
  "networking.k8s.io/v1/NetworkPolicy": ["kubernetes-models/networking.k8s.io/v1/NetworkPolicy", "NetworkPolicy", "V1NetworkPolicy"],
  "keda.sh/v1alpha1/ScaledObject": ["@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject", "ScaledObject", null],
  "keda.sh/v1alpha1/TriggerAuthentication": ["@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication", "TriggerAuthentication", null],
  "monitoring.coreos.com/v1/ServiceMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor", "ServiceMonitor", null],
  "monitoring.coreos.com/v1/PrometheusRule": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "PrometheusRule", null],
};

/** Wraps value so that every key read and every enumeration is recorded in seen (path -> {read, enumerated, value}). */
function track(value, path, seen) {
  if (value === null || typeof value !== "object") return value;
  const info = { read: new Set(), enumerated: false, value };
  seen.set(path, info);
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return v;
      info.read.add(key);
      return Object.hasOwn(target, key) && v !== null && typeof v === "object" ? track(v, `${path}/${key}`, seen) : v;
    },
    has(target, key) {
      if (typeof key === "string") info.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      info.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownBySchema(Model, obj) {
  const seen = new Map();
  try {
    Model.prototype.validate.call(track(obj, "", seen));
  } catch {
    // type errors are reported by the plain validation
  }
  const unknown = [];
  for (const [path, info] of seen) {
    if (Array.isArray(info.value) || info.enumerated || info.read.size === 0) continue;
    for (const key of Object.keys(info.value)) {
      if (!info.read.has(key)) unknown.push(`${path}/${key}`);
    }
  }
  return unknown;
}

/** Unknown fields by @kubernetes/client-node's attribute maps (core kinds only). */
function unknownByClientModels(typeName, value, path, out) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownByClientModels(array[1], v, `${path}/${i}`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) {
    for (const [k, v] of Object.entries(value)) unknownByClientModels(map[1], v, `${path}/${k}`, out);
    return;
  }
  const cls = clientModels[typeName];
  if (typeof cls?.getAttributeTypeMap !== "function" || typeof value !== "object" || Array.isArray(value)) return;
  const attributes = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!attributes.has(k)) out.push(`${path}/${k}`);
    else unknownByClientModels(attributes.get(k), v, `${path}/${k}`, out);
  }
}

const loaded = new Map();
async function model(key) {
  if (!loaded.has(key)) {
    const [module, name] = MODELS[key];
    loaded.set(key, (await import(module))[name]);
  }
  return loaded.get(key);
}

async function problemsOf(obj) {
  if (!obj || typeof obj !== "object" || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    return ["not a Kubernetes object (no apiVersion and kind)"];
  }
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (!MODELS[key]) return [`${key}: no schema known to this check; add it to MODELS`];
  const Model = await model(key);
  const problems = [];
  try {
    Model.prototype.validate.call(structuredClone(obj));
  } catch (err) {
    problems.push(err.message);
  }
  for (const path of unknownBySchema(Model, structuredClone(obj))) problems.push(`data${path}: unknown field (not in the ${key} schema)`);
  const clientType = MODELS[key][2];
  if (clientType) {
    const out = [];
    unknownByClientModels(clientType, structuredClone(obj), "", out);
    for (const path of out) problems.push(`data${path}: unknown field (not in @kubernetes/client-node's ${clientType})`);
  }
  return [...new Set(problems)];
}

async function checkFile(file) {
  const text = readFileSync(file, "utf8");
  const problems = [];
  let objects = 0;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(...doc.errors.map((e) => `YAML: ${e.message}`));
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    objects++;
    const where = `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    for (const p of await problemsOf(obj)) problems.push(`${where}: ${p}`);
  }
  return { objects, problems, expect: [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]) };
}

const args = process.argv.slice(2);
const expectInvalid = args[0] === "--expect-invalid";
const files = expectInvalid ? args.slice(1) : args;
if (files.length === 0) {
  console.error("usage: node validate-manifests.mjs [--expect-invalid] FILE...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  const { objects, problems, expect } = await checkFile(file);
  let good;
  let detail = problems;
  if (expectInvalid) {
    const missing = expect.filter((e) => !problems.some((p) => p.includes(e)));
    good = problems.length > 0 && expect.length > 0 && missing.length === 0;
    detail = good ? problems : [...problems, ...(expect.length ? missing.map((m) => `expected an error containing: ${m}`) : ["no '# expect:' line"])];
  } else {
    good = objects > 0 && problems.length === 0;
    if (objects === 0) detail = ["no objects in the file"];
  }
  const what = expectInvalid ? `refused as expected: ${file}` : `valid against the schemas: ${file} (${objects} objects)`;
  console.log(`${good ? "ok" : "not ok"} - ${what}`);
  if (!good || expectInvalid) for (const p of detail.slice(0, 15)) console.log(`#   ${p}`);
  if (!good) failed++;
}
process.exit(failed ? 1 : 0);
