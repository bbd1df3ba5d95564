"""The verdict of one row of scripts/chaos.sh, counted from the sink file and Kafka themselves.

  chaos_verdict.py count SINK MANIFEST...        prints "PRESENT VALID": distinct manifest ids in the sink file, and in all
  chaos_verdict.py union OUT MANIFEST...         writes the distinct ids of the manifests to OUT
  chaos_verdict.py merge OUT PRODUCED_JSON...    sums feedback-dev produce --json summaries into OUT
  chaos_verdict.py row --name ... (see below)    appends one JSON line to --results and prints it
  chaos_verdict.py table RESULTS                 prints the table; exits 1 when a row failed

The sink file is read as FileSinkReader reads it (src/FeedbackRedis/Sinks/File): a line counts when it is one whole
JSON object with string eventId, agentId, batchId and writer and a type of reply or reaction; anything else is torn.
Dead letters come from feedback-dev report's "dead-lettered" line, which reads the dead-letter topic and counts
distinct source messages (by their dlq.source.* coordinates), and from its --json-out file: the dead-letter check
(each message that had to be dead-lettered found at its own coordinates with the reason it had to get) and, with the
MongoDB sink, the counts read from MongoDB and the aggregates against a recount of the events collection.
"""
import argparse
import json
import re
import sys


def read_sink(path):
    lines = torn = 0
    ids = set()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                try:
                    e = json.loads(line)
                except ValueError:
                    torn += 1
                    continue
                if not (isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("eventId", "agentId", "batchId", "writer"))
                        and e["eventId"] and e["agentId"] and e.get("type") in ("reply", "reaction")):
                    torn += 1
                    continue
                lines += 1
                ids.add(e["eventId"])
    except FileNotFoundError:
        pass
    return lines, torn, ids


def read_manifest(paths):
    ids = set()
    for p in paths:
        # utf-8-sig: feedback-dev produce writes its manifest with a byte-order mark.
        with open(p, encoding="utf-8-sig") as f:
            ids.update(line.strip() for line in f if line.strip())
    return ids


def merge(out, paths):
    total = {"sent": 0, "valid": 0, "malformed": 0, "failed": 0, "hostile": 0, "malformedByKind": {}}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            d = json.load(f)
        for k in ("sent", "valid", "malformed", "failed"):
            total[k] += d[k]
        total["hostile"] += d.get("hostile", 0)
        for kind, n in d.get("malformedByKind", {}).items():
            total["malformedByKind"][kind] = total["malformedByKind"].get(kind, 0) + n
    with open(out, "w", encoding="utf-8") as f:
        json.dump(total, f)


def dead_letters(report_path):
    """(distinct dead letters, {reason: n}) from feedback-dev report's output, or (None, {}) when it has none."""
    try:
        text = open(report_path, encoding="utf-8").read()
    except FileNotFoundError:
        return None, {}
    m = re.search(r"^dead-lettered\s+([0-9,]+)\s*\(([^)]*)\)", text, re.M)
    if not m:
        return None, {}
    # "reason n, reason n": the counts are written with thousands separators, the parts joined by ", ".
    reasons = {}
    for part in filter(None, m.group(2).split(", ")):
        reason, n = part.rsplit(" ", 1)
        reasons[reason] = int(n.replace(",", ""))
    return int(m.group(1).replace(",", "")), reasons


def read_report_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return None


def row(a):
    with open(a.produced, encoding="utf-8") as f:
        produced = json.load(f)
    expected = read_manifest(a.manifest)
    counts = read_report_json(a.report_json)
    if a.sink_kind == "mongodb":
        # MongoDB upserts: a re-write replaces its document, so re-writes and torn lines cannot be seen there.
        present = counts["present"] if counts else 0
        unexpected = counts.get("unexpected") or 0 if counts else 0
        lines = torn = None
        rewrites = None
    else:
        lines, torn, in_sink = read_sink(a.sink)
        present = len(expected & in_sink)
        unexpected = len(in_sink - expected)
        rewrites = lines - len(in_sink)
    dead, reasons = dead_letters(a.report)
    want = {k: v for k, v in produced["malformedByKind"].items() if v}
    problems = []
    lost = len(expected) - present
    if lost:
        problems.append(f"lost {lost}")
    if unexpected:
        problems.append(f"unexpected {unexpected}")
    if produced["failed"]:
        problems.append(f"{produced['failed']} not delivered to Kafka")
    if dead is None:
        problems.append("no dead-letter count")
    elif dead != produced["malformed"] or reasons != want:
        problems.append(f"dead letters {reasons} != expected {want}")
    check = (counts or {}).get("deadCheck")
    dead_check = None
    if check is None:
        problems.append("no dead-letter check (feedback-dev report --dead-manifest)")
    else:
        dead_check = f"{check['matched']}/{check['expected']}"
        if check["missing"] or check["wrongReason"] or check["notExpected"]:
            problems.append(f"dead-letter check: missing {check['missing']}, wrong reason {check['wrongReason']}, "
                            f"not expected {check['notExpected']} ({'; '.join(check.get('examples', [])[:3])})")
    aggregates = None
    if a.sink_kind == "mongodb":
        audit = (counts or {}).get("aggregates")
        if audit is None:
            problems.append("no aggregates check")
        else:
            aggregates = f"{audit['agents'] - audit['mismatched']}/{audit['agents']}"
            if audit["mismatched"]:
                problems.append(f"aggregates differ from the recount for {audit['mismatched']} agents "
                                f"({'; '.join(audit.get('examples', [])[:3])})")
    if a.evicted:
        problems.append(f"Redis evicted {a.evicted} keys")
    if a.redis_left:
        problems.append(f"Redis not empty ({a.redis_left})")
    if a.stalled:
        problems.append("drain timeout")
    if a.leftovers:
        problems.append(f"{a.leftovers} processes left running")
    if a.error:
        problems.append(a.error)
    result = {
        "row": a.name, "sink": a.sink_kind, "produced": produced["sent"], "valid": len(expected), "inSink": present, "lost": lost,
        "rewrites": rewrites, "torn": torn, "unexpected": unexpected,
        "dead": dead, "deadExpected": produced["malformed"], "hostile": produced.get("hostile", 0), "deadCheck": dead_check,
        "aggregates": aggregates, "deadBatches": a.dead_batches, "evicted": a.evicted, "redisLeft": a.redis_left,
        "drainSeconds": a.drain_seconds, "seconds": a.seconds, "seed": a.seed, "fault": a.fault,
        "verdict": "PASS" if not problems else "FAIL", "problems": problems,
    }
    with open(a.results, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    print(json.dumps(result))


def table(path):
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    cols = [("row", "row"), ("produced", "produced"), ("valid", "valid"), ("inSink", "in sink"), ("lost", "LOST"),
            ("rewrites", "re-writes"), ("torn", "torn"), ("unexpected", "unexpected"), ("dead", "dead-lettered"),
            ("deadExpected", "expected"), ("hostile", "hostile"), ("deadCheck", "at coords+reason"),
            ("deadBatches", "dead batches"), ("evicted", "evicted"), ("redisLeft", "Redis left"),
            ("drainSeconds", "drain s"), ("seconds", "row s"), ("verdict", "verdict")]
    if any(r.get("sink") == "mongodb" for r in rows):
        cols.insert(-1, ("aggregates", "aggregates = recount"))
    cells = [[str(r.get(k)) if r.get(k) is not None else "-" for k, _ in cols] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, (_, h) in enumerate(cols)]
    print("| " + " | ".join(h.ljust(w) for (_, h), w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths)) + " |")
    for r in rows:
        print(f"  {r['row']}: seed {r['seed']}; {r['fault']}" + (f"; FAILED: {'; '.join(r['problems'])}" if r["problems"] else ""))
    failed = sum(r["verdict"] != "PASS" for r in rows)
    print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed or not rows else 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "count":
        _, _, sink, *manifests = sys.argv
        expected = read_manifest(manifests)
        print(len(expected & read_sink(sink)[2]), len(expected))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "union":
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            f.writelines(i + "\n" for i in sorted(read_manifest(sys.argv[3:])))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "merge":
        merge(sys.argv[2], sys.argv[3:])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "table":
        return table(sys.argv[2])
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["row"])
    p.add_argument("--name", required=True)
    p.add_argument("--fault", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--sink", required=True)
    p.add_argument("--manifest", nargs="+", required=True)
    p.add_argument("--produced", required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--redis-left", type=int, required=True)
    p.add_argument("--dead-batches", type=int, required=True)
    p.add_argument("--drain-seconds", type=float, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--stalled", type=int, default=0)
    p.add_argument("--leftovers", type=int, default=0)
    p.add_argument("--error", default="")
    p.add_argument("--report-json", default="")
    p.add_argument("--evicted", type=int, default=0)
    p.add_argument("--sink-kind", choices=["file", "mongodb"], default="file")
    row(p.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
