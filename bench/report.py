#!/usr/bin/env python3
"""Turns Google Benchmark JSON files into one markdown table (bench/run).

Every figure is the median over the repetitions of the CPU time per
iteration of each benchmark thread (robust on a shared machine), or of the
wall time for benchmarks registered with UseRealTime() (".../real_time"),
whose work runs on other threads. Pairs, derived rows and targets are
declared below: adding a benchmark's baseline or target is one line there.
A benchmark without a pair or a target is listed with its median only.

Exit status: 0 when every target is met, 1 when a benchmark reported an
error (e.g. a hot hook allocated), 3 when a target was missed.
"""
import json
import re
import sys

# A benchmark's baseline: the first matching rule's substitution.
PAIRS = [
    (r"^Host/", "InProcess/"),
    (r"^Floor/", "InProcess/"),
    (r"^Load/loader( excluding plugin_init)?$", "Load/dlopen"),
    (r"^Memory/host_alloc_free/", "Memory/direct_alloc_free/"),
    (r"^Graph/replay_", "Graph/submit_"),
]

# Rows computed from two medians: (name, minuend, subtrahend).
DERIVED = [
    ("Load/loader excluding plugin_init", "Load/loader", "Load/plugin_init"),
]

HOT_HOOKS = ("getCurrentDevice|setCurrentDevice|exchangeDevice|maybeExchangeDevice|"
             "hasPrimaryContext|getCurrentStream|getCurrentRawStream|getDefaultStream|"
             "setCurrentStream")

# (pattern, kind, limit): "ratio" to the baseline median, or "ns" absolute.
TARGETS = [
    (rf"^Host/({HOT_HOOKS})/", "ratio", 1.3),
    (r"^Host/getMTIAHooks/", "ns", 2.0),
    (r"^Load/loader excluding plugin_init$", "ratio", 3.0),
    (r"^Memory/host_alloc_free/", "ratio", 1.2),  # the host adds at most 20%
    (r"^Graph/replay_", "ratio", 1 / 3),  # replay at least 3x faster than resubmitting
]

# Per-thread time with N threads may exceed the 1-thread time by this much
# (measurement noise); shared writable cache lines cost several times more.
THREAD_SCALING_LIMIT = 1.25

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths):
    """Returns ({name: median ns}, [(name, error)], [names in registration order])."""
    medians, errors, order = {}, [], []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        runs = sorted(data.get("benchmarks", []),
                      key=lambda b: (b.get("family_index", 0), b.get("per_family_instance_index", 0)))
        for b in runs:
            name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                error = (name, b.get("error_message", "error"))
                if error not in errors:  # once, not once per repetition
                    errors.append(error)
                continue
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median":
                metric = "real_time" if "/real_time" in name else "cpu_time"
                medians[name] = b[metric] * UNIT_NS[b.get("time_unit", "ns")]
                order.append(name)
    return medians, errors, order


def baseline_of(name):
    for pattern, replacement in PAIRS:
        if re.search(pattern, name):
            return re.sub(pattern, replacement, name)
    return None


def target_of(name):
    for pattern, kind, limit in TARGETS:
        if re.search(pattern, name):
            return kind, limit
    return None


def fmt_time(ns):
    if ns is None:
        return ""
    if ns < 1e3:
        return f"{ns:.2f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.2f} ms"


def main(paths):
    medians, errors, order = load(paths)
    for name, minuend, subtrahend in DERIVED:
        if minuend in medians and subtrahend in medians:
            medians[name] = medians[minuend] - medians[subtrahend]
            order.insert(order.index(minuend) + 1, name)

    baselines = set(filter(None, (baseline_of(n) for n in order)))
    missed = []
    print("| benchmark | median | baseline median | ratio | target |")
    print("|---|---|---|---|---|")
    for name in order:
        if name in baselines:
            continue  # shown as the baseline of its pair
        base_name = baseline_of(name)
        base = medians.get(base_name) if base_name else None
        value = medians[name]
        ratio = value / base if base else None
        checks = []
        target = target_of(name)
        if target:
            kind, limit = target
            ok = (ratio is not None and ratio <= limit) if kind == "ratio" else value <= limit
            label = f"≤ {limit:.2f}×" if kind == "ratio" else f"≤ {limit:g} ns"
            checks.append(f"{label} {'ok' if ok else 'MISSED'}")
            if not ok:
                missed.append(name)
            threads = re.search(r"/threads:(\d+)$", name)
            if threads and threads.group(1) != "1":
                one = medians.get(name[: threads.start()] + "/threads:1")
                if one:
                    scaling = value / one
                    ok = scaling <= THREAD_SCALING_LIMIT
                    checks.append(f"per thread {scaling:.2f}× of 1 thread {'ok' if ok else 'MISSED'}")
                    if not ok:
                        missed.append(name + " (per-thread scaling)")
        print(f"| {name} | {fmt_time(value)} | {fmt_time(base)} | "
              f"{f'{ratio:.2f}×' if ratio is not None else ''} | {'; '.join(checks)} |")

    for name, message in errors:
        print(f"| {name} | ERROR: {message} |  |  |  |")
        print(f"error: {name}: {message}", file=sys.stderr)
    for name in missed:
        print(f"target missed: {name}", file=sys.stderr)
    if errors:
        return 1
    return 3 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
