#!/usr/bin/python3
"""Summarises Chrome traces of libtorch's autograd profiler (StepBench --profile, torch_steps.py --profile): per
trace, the wall span, the time inside top-level ops (events not nested in another event of the same thread) and
the rest (the caller's own time: JVM + JNI, or the Python interpreter), op calls per step, and the ops with the most
self time (an event's duration minus its direct children's).

  op_profile.py [--top 15] [--steps N] [--shapes] [--calls N] TRACE.json …

--calls N also lists the N ops with the most top-level calls per step (where the op count comes from, op by op).
--gaps N lists the N pairs (top-level op before → top-level op after) with the most time between them per step, on
the thread with the most events: where the caller's own time (outside ops) is spent, by position in the step.
"""
import argparse
import collections
import json


def load(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    return [e for e in events if e.get("ph") == "X" and "dur" in e]


def key(e, shapes):
    if not shapes:
        return e["name"]
    dims = e.get("shape") or (e.get("args") or {}).get("Input Dims")
    return f'{e["name"]} {dims}' if dims else e["name"]


CATEGORIES = [
    ("convolution", ("convolution", "conv_transpose", "mkldnn_conv", "slow_conv", "Convolution")),
    ("batch norm", ("batch_norm", "BatchNorm")),
    ("matmul", ("aten::mm", "addmm", "bmm", "matmul", "linalg", "Mm", "Addmm")),
    ("copy/pad/cat/fill", ("copy_", "aten::cat", "stack", "fill_", "zero_", "pad", "clone", "contiguous", "_to_copy",
                           "index", "repeat", "flip", "zeros", "ones", "full", "empty")),
]


def category(name):
    for cat, keys in CATEGORIES:
        if any(k in name for k in keys):
            return cat
    return "other ops (elementwise, views, autograd, optimizer)"


def gaps(by_tid, n, top):
    """The caller's time between consecutive top-level ops of the busiest thread, summed per (before, after) pair."""
    es = max(by_tid.values(), key=len)
    level = []
    end = -1.0
    for e in sorted(es, key=lambda e: (e["ts"], -e["dur"])):
        if e["ts"] >= end:
            level.append(e)
            end = e["ts"] + e["dur"]
    total = collections.Counter()
    count = collections.Counter()
    for a, b in zip(level, level[1:]):
        pair = f'{a["name"]} → {b["name"]}'
        total[pair] += b["ts"] - (a["ts"] + a["dur"])
        count[pair] += 1
    print(f"   largest gaps between top-level ops (busiest thread), ms/step and count/step:")
    for pair, t in total.most_common(top):
        print(f"   {t / 1e3 / n:8.3f} ms/step  {count[pair] / n:6.1f}/step  {pair}")


def summarise(path, top, steps, shapes, categories=True, calls_top=0, gaps_top=0):
    ev = load(path)
    by_tid = collections.defaultdict(list)
    for e in ev:
        by_tid[e.get("tid")].append(e)
    self_time = collections.Counter()
    calls = collections.Counter()
    top_level_calls = collections.Counter()
    top_level = 0.0
    top_calls = 0
    start = min(e["ts"] for e in ev)
    end = max(e["ts"] + e["dur"] for e in ev)
    for tid, es in by_tid.items():
        es.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [event, child time]
        for e in es:
            while stack and e["ts"] >= stack[-1][0]["ts"] + stack[-1][0]["dur"]:
                done, child = stack.pop()
                self_time[key(done, shapes)] += done["dur"] - child
            if stack:
                stack[-1][1] += e["dur"]
            else:
                top_level += e["dur"]
                top_calls += 1
                top_level_calls[key(e, shapes)] += 1
            calls[key(e, shapes)] += 1
            stack.append([e, 0.0])
        while stack:
            done, child = stack.pop()
            self_time[key(done, shapes)] += done["dur"] - child
    span = end - start
    n = steps or 1
    print(f"== {path}")
    print(f"   span {span / 1e3 / n:8.1f} ms/step; inside top-level ops {top_level / 1e3 / n:8.1f} ms/step "
          f"({100 * top_level / span:.0f} %); outside {(span - top_level) / 1e3 / n:8.1f} ms/step; "
          f"top-level op calls {top_calls / n:.0f}/step")
    if categories:
        cat = collections.Counter()
        for name, t in self_time.items():
            cat[category(name)] += t
        print("   by kind (self time, ms/step): " + ", ".join(
            f"{k} {v / 1e3 / n:.1f}" for k, v in cat.most_common()) + f", outside ops {(span - top_level) / 1e3 / n:.1f}")
    for name, t in self_time.most_common(top):
        print(f"   {t / 1e3 / n:8.2f} ms/step self  {calls[name] / n:6.0f} calls/step  {name}")
    if calls_top:
        print("   top-level calls per step, by op:")
        for name, c in top_level_calls.most_common(calls_top):
            print(f"   {c / n:8.1f}  {name}")
    if gaps_top:
        gaps(by_tid, n, gaps_top)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--steps", type=int, default=0, help="steps in each trace (per-step figures)")
    ap.add_argument("--shapes", action="store_true", help="per op and input shapes (traces recorded with shapes)")
    ap.add_argument("--calls", type=int, default=0, help="list the N ops with the most top-level calls per step")
    ap.add_argument("--gaps", type=int, default=0, help="list the N largest gaps between top-level ops (per pair)")
    a = ap.parse_args()
    for t in a.traces:
        summarise(t, a.top, a.steps, a.shapes, calls_top=a.calls, gaps_top=a.gaps)


if __name__ == "__main__":
    main()
