#!/usr/bin/env python3
"""Summarises a speedscope file from `dotnet-trace collect --profile dotnet-sampled-thread-time --format Speedscope`.

usage: summarise-speedscope.py TRACE.speedscope.json [TOP]

Counts only samples whose leaf is CPU_TIME (the thread was in managed code; waits and native code are
UNMANAGED_CODE_TIME), splits off the thread pool's spinning for work, and prints the share of the rest spent under the
consumer's main steps (inclusive) and the top frames by exclusive time. The sampler counts a runnable thread as
running: on an overloaded machine spinning threads look busier than the CPU they get.
"""
import collections
import json
import re
import sys

data = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
frames = [f["name"] for f in data["shared"]["frames"]]
spin = re.compile(r"LowLevelLifoSemaphore|LowLevelSpinWaiter|WorkerThreadStart$")


def clean(name):
    return re.sub(r"\(.*", "", name)[:120]


inclusive, exclusive = collections.Counter(), collections.Counter()
managed = spinning = 0.0
for profile in data["profiles"]:
    stack, last = [], profile["startValue"]
    for event in profile["events"]:
        at = event["at"]
        if stack and frames[stack[-1]] == "CPU_TIME":
            names = [clean(frames[i]) for i in stack[:-1]]
            if any(spin.search(n) for n in names[-3:]):
                spinning += at - last
            elif names:
                managed += at - last
                exclusive[names[-1]] += at - last
                for n in set(names):
                    inclusive[n] += at - last
        last = at
        if event["type"] == "O":
            stack.append(event["frame"])
        else:
            while stack and stack.pop() != event["frame"]:
                pass

print(f"managed CPU samples: {managed:.0f} ms; thread-pool spinning: {spinning:.0f} ms "
      f"({spinning / max(managed + spinning, 1) * 100:.0f}% of managed samples)")
steps = ["EventClassifier.Classify", "FeedbackEventReader.Read", "StoredItem.Write", "String.CreateStringFromEncoding",
         "AppendWindow.Send", "RedisBatchStore+<AppendAsync>", "RedisBatchStore.AppendCalls", "AppendScript+Builder.Build",
         "ScriptEvaluateAsync", "Consumer`2[System.__Canon,System.__Canon].Consume", "FeedbackConsumer.Acknowledge",
         "Linq.Lookup", "FeedbackConsumer.RecordLag", "PollGC", "ReadOffsetsAsync", "StoreDueOffsets"]
print("\nshare of the non-spinning managed samples under (inclusive):")
for step in steps:
    share = max([v for n, v in inclusive.items() if step in n] or [0]) / max(managed, 1) * 100
    print(f"{share:5.1f}%  {step}")
print("\ntop exclusive:")
for name, value in exclusive.most_common(top):
    print(f"{value / max(managed, 1) * 100:5.1f}%  {name}")
