#!/usr/bin/env python3
"""Turns the benchmark results into one markdown table (bench/run).

    report.py [--callgrind DIR] RESULT.json...

RESULT.json: Google Benchmark JSON (mtia_bench, mtia_bench_opencl) or the
start-up harness's JSON (mtia_startup, same shape). DIR: the dumps of
`mtia_bench --mtia_count_instructions=N` under callgrind (bench/callgrind.sh),
one per row, named "<row>@<calls>"; a row's instructions per call are its
dump's total divided by its calls, minus the empty loop's per iteration.

Times are medians over the repetitions of the CPU time per iteration of each
benchmark thread (wall time for ".../real_time" rows, whose work runs on other
threads; CPU time per launch for the start-up rows). Hot hooks are judged on
the host's added cost: Host (the benchmark backend as a plugin, through the
host) minus LibSameTLS (the same backend code as an in-process C++ backend in
a shared library with the plugin's compile options and TLS model), on
instructions when counts are given (the times are shown and must agree),
else on time. Host - Direct (the same plugin's slot called through its table)
is the host's own cost; Sample/<hook> (the sample plugin through the host) is
shown for information. The memory rows are judged on instructions per pair
when counted, as the JSON rows are.

Exit status: 0 when every target is met, 1 when a benchmark reported an
error (e.g. a hot hook allocated), 3 when a target was missed. A 2-thread
check the positive control cannot support reads "not measurable", which is
neither met nor missed.
"""
import argparse
import glob
import json
import os
import re
import sys

HOT_HOOKS = ("getCurrentDevice", "setCurrentDevice", "exchangeDevice", "maybeExchangeDevice",
             "hasPrimaryContext", "getCurrentStream", "getCurrentRawStream", "getDefaultStream",
             "setCurrentStream")
JSON_HOOKS = ("memoryStats", "memorySnapshot", "getDeviceProperties", "getDeviceCapability")

# The host's added cost per hot hook over LibSameTLS (issue 16).
ADDED_IR_LIMIT = 16
ADDED_NS_LIMIT = 2.0

# A benchmark's baseline for the rows that are not hot hooks: the first
# matching rule's substitution; (pattern, kind, limit) targets: "ratio" to the
# baseline median or "ns" absolute.
PAIRS = [
    (r"^Floor/", "InProcess/"),
    (rf"^Host/({'|'.join(JSON_HOOKS)})$", r"Plugin/\1"),
    (r"^Startup/host$", "Startup/bare"),
    (r"^Load/loader( excluding plugin_init)?$", "Load/dlopen"),
    (r"^Memory/host_alloc_free/", "Memory/direct_alloc_free/"),
    (r"^Graph/replay_", "Graph/submit_"),
]
TARGETS = [
    (r"^Host/getMTIAHooks/", "ns", 2.0),
    (rf"^Host/({'|'.join(JSON_HOOKS)})$", "ratio", 1.5),
    (r"^Startup/host$", "ratio", 1.3),
    (r"^Load/loader excluding plugin_init$", "ratio", 3.0),
    (r"^Memory/host_alloc_free/", "ratio", 1.2),  # the host adds at most 20%
    (r"^Graph/replay_", "ratio", 1 / 3),  # replay at least 3x faster than resubmitting
]

# Rows computed from two medians: (name, minuend, subtrahend).
DERIVED = [("Load/loader excluding plugin_init", "Load/loader", "Load/plugin_init")]

# Per-thread time with 2 threads may exceed the 1-thread time by this much
# (noise); the positive control (writes to one cache line from both threads)
# must exceed CONTROL_MIN for the check to mean anything.
THREAD_SCALING_LIMIT = 1.25
CONTROL_MIN = 2.0

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths):
    """Returns ({name: median ns}, [(name, error)], [names in order],
    {name: instructions of one whole launch}: the start-up rows' callgrind
    count, shown beside the times, which still judge those rows)."""
    medians, errors, order, launch_ir = {}, [], [], {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        runs = sorted(data.get("benchmarks", []),
                      key=lambda b: (b.get("family_index", 0), b.get("per_family_instance_index", 0)))
        for b in runs:
            name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                if (name, b.get("error_message", "error")) not in errors:  # once per benchmark
                    errors.append((name, b.get("error_message", "error")))
                continue
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median":
                metric = "real_time" if "/real_time" in name else "cpu_time"
                medians[name] = b[metric] * UNIT_NS[b.get("time_unit", "ns")]
                order.append(name)
                if "instructions" in b:
                    launch_ir[name] = b["instructions"]
    return medians, errors, order, launch_ir


DUMP_PREFIX = "desc: Trigger: Client Request: "


def parse_dump(path):
    """Returns (row name, total Ir, {object basename: self Ir}) of one callgrind dump."""
    name, total, objects, names = None, None, {}, {}
    current, skip_next_cost = None, False
    with open(path) as f:
        for line in f:
            if line.startswith(DUMP_PREFIX):
                name = line[len(DUMP_PREFIX):].strip()
            elif line.startswith("totals:"):
                total = int(line.split()[1])
            elif line.startswith(("ob=", "cob=")):  # "ob=(6) /path", later "ob=(6)"
                ref = re.match(r"c?ob=(\(\d+\))?\s*(.*)", line.strip())
                if ref.group(2):
                    names[ref.group(1)] = os.path.basename(ref.group(2))
                if line.startswith("ob="):
                    current = names.get(ref.group(1), ref.group(2))
            elif line.startswith("calls="):
                skip_next_cost = True  # the next cost line is the call's inclusive cost
            elif line[:1].isdigit() or line[:1] in "+-*":
                if skip_next_cost:
                    skip_next_cost = False
                elif current is not None:
                    objects[current] = objects.get(current, 0) + int(line.split()[-1])
    return name, total, objects


def load_callgrind(directory):
    """Returns {row: (Ir per call, {object: self Ir per call})}, the empty loop subtracted."""
    dumps = {}
    for path in glob.glob(os.path.join(directory, "callgrind.out.*")):
        name, total, objects = parse_dump(path)
        if name and total is not None:
            row, _, n = name.rpartition("@")  # "<row>@<calls>"
            dumps[row] = (total, objects, int(n))
    if "Empty/loop" not in dumps:
        sys.exit(f"report.py: no callgrind dump of Empty/loop in {directory}")
    empty, empty_objects, empty_n = dumps.pop("Empty/loop")
    counts = {}
    for name, (total, objects, n) in dumps.items():
        per_object = {ob: ir / n - empty_objects.get(ob, 0) / empty_n for ob, ir in objects.items()}
        counts[name] = (total / n - empty / empty_n, per_object)
    return counts


def by_object(objects):
    """'libmtia_host 7 · plugin 16 · ld.so 11 · caller 1': where a host call's instructions run."""
    short = [("libmtia_host", "libmtia_host"), ("libmtia_sample_plugin", "plugin"),
             ("libmtia_bench_plugin", "plugin"), ("ld-linux", "ld.so"),
             ("libmtia_bench_backend", "backend"), ("mtia_bench", "caller")]
    parts = []
    for ob, ir in sorted(objects.items(), key=lambda item: -item[1]):
        label = next((label for key, label in short if key in ob), ob)
        if round(ir) != 0:
            parts.append(f"{label} {ir:.0f}")
    return " · ".join(parts)


def fmt_time(ns):
    if ns is None:
        return ""
    if abs(ns) < 1e3:
        return f"{ns:.2f} ns"
    if abs(ns) < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.2f} ms"


def cell(ir, ns):
    """'35 Ir · 8.14 ns', either part optional."""
    parts = ([f"{ir:.0f} Ir"] if ir is not None else []) + ([fmt_time(ns)] if ns is not None else [])
    return " · ".join(parts)


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else ""


class Table:
    HEADER = ("row", "host", "baseline", "host − baseline", "host ÷ baseline",
              "host − direct", "(a) in the executable", "host ÷ (a)", "(c) .so, default -fPIC",
              "host ÷ (c)", "target", "verdict")

    def __init__(self):
        self.rows, self.missed = [], []

    def add(self, name, verdict_ok=None, **cells):
        if verdict_ok is False:
            self.missed.append(name)
        self.rows.append([name] + [cells.get(key, "") for key in
                                   ("host", "base", "diff", "ratio", "direct", "a", "ratio_a", "c",
                                    "ratio_c", "target", "verdict")])

    def print(self):
        print("| " + " | ".join(self.HEADER) + " |")
        print("|" + "---|" * len(self.HEADER))
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


def verdict(ok):
    return "ok" if ok else "MISSED"


def difference(a, b, digits=None):
    if a is None or b is None:
        return None
    return round(a - b, digits) if digits is not None else a - b


def hot_cells(medians, counts, hook, threads):
    """The cells of one hot hook's row and its times {subject: ns}, or None."""
    if f"Host/{hook}/threads:{threads}" not in medians:
        return None
    subjects = ("Host", "Direct", "InProcess", "LibSameTLS", "LibPIC")
    t = {s: medians.get(f"{s}/{hook}/threads:{threads}") for s in subjects}
    ir = {s: counts[f"{s}/{hook}"][0] if threads == 1 and f"{s}/{hook}" in counts else None for s in t}
    diff_ns = difference(t["Host"], t["LibSameTLS"])
    diff_ir = difference(ir["Host"], ir["LibSameTLS"], 3)
    cells = dict(host=cell(ir["Host"], t["Host"]), base=cell(ir["LibSameTLS"], t["LibSameTLS"]),
                 diff=cell(diff_ir, diff_ns), ratio=ratio(t["Host"], t["LibSameTLS"]),
                 direct=cell(difference(ir["Host"], ir["Direct"]), difference(t["Host"], t["Direct"])),
                 a=cell(ir["InProcess"], t["InProcess"]), ratio_a=ratio(t["Host"], t["InProcess"]),
                 c=cell(ir["LibPIC"], t["LibPIC"]), ratio_c=ratio(t["Host"], t["LibPIC"]))
    where = {s: by_object(counts[f"{s}/{hook}"][1]) if threads == 1 and f"{s}/{hook}" in counts else ""
             for s in ("Host", "LibSameTLS", "Sample")}
    return cells, diff_ir, diff_ns, where


def add_added_cost_row(table, name, cells, diff_ir, diff_ns, where):
    """A 1-thread hot row: the host's added cost over LibSameTLS, both running
    the same backend code, and where each call's instructions ran (the host
    library's share is the host layer; the plugin's share is the backend's
    code as a slot, the baseline's "backend" share the same code as a C++
    method; TLS access in ld.so)."""
    ns_ok = diff_ns is not None and diff_ns <= ADDED_NS_LIMIT
    cells["target"] = f"added ≤ {ADDED_IR_LIMIT} Ir, ≤ {ADDED_NS_LIMIT:g} ns"
    if diff_ir is not None:
        ok = round(diff_ir) <= ADDED_IR_LIMIT  # counts are whole instructions per call
        agree = "times agree" if ns_ok == ok else "times disagree"
        cells["verdict"] = (f"{verdict(ok)}: the host adds {diff_ir:.0f} Ir to the same backend code "
                            f"(on Ir; {agree}); host call: {where['Host']}; "
                            f"baseline call: {where['LibSameTLS']}")
    else:
        ok = ns_ok
        cells["verdict"] = f"{verdict(ok)} (on time: no instruction counts)"
    table.add(name, ok, **cells)


def add_sample_row(table, medians, counts, hook, where):
    """Sample/<hook>: the sample plugin through the same host, for information
    (no target: its slots are not the backend's code); its baseline is the
    Host row, so the difference is the sample slot's cost over the backend's."""
    name, host = f"Sample/{hook}/threads:1", f"Host/{hook}/threads:1"
    if name not in medians:
        return
    ir = counts[f"Sample/{hook}"][0] if f"Sample/{hook}" in counts else None
    host_ir = counts[f"Host/{hook}"][0] if f"Host/{hook}" in counts else None
    table.add(name, host=cell(ir, medians[name]), base=f"{cell(host_ir, medians.get(host))} ({host})",
              diff=cell(difference(ir, host_ir), difference(medians[name], medians.get(host))),
              ratio=ratio(medians[name], medians.get(host)),
              verdict=f"information: the sample plugin through the host; call: {where}")


def add_scaling_row(table, name, cells, two, one, contention):
    """A 2-thread hot row: per-thread time against 1 thread, if the control allows."""
    cells["target"] = f"per thread ≤ {THREAD_SCALING_LIMIT:g}× of 1 thread"
    if not one:
        table.add(name, **cells)
        return
    scaling = two / one
    if contention is not None and contention >= CONTROL_MIN:
        ok = scaling <= THREAD_SCALING_LIMIT
        table.add(name, ok, **cells, verdict=f"{verdict(ok)} ({scaling:.2f}×)")
    else:
        control = f"control {contention:.2f}×" if contention is not None else "no control row"
        table.add(name, **cells, verdict=f"not measurable ({scaling:.2f}×; {control})")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callgrind", help="directory of the callgrind dumps")
    parser.add_argument("results", nargs="+")
    args = parser.parse_args(argv)
    medians, errors, order, launch_ir = load(args.results)
    counts = load_callgrind(args.callgrind) if args.callgrind else {}
    for name, minuend, subtrahend in DERIVED:
        if minuend in medians and subtrahend in medians:
            medians[name] = medians[minuend] - medians[subtrahend]
            order.insert(order.index(minuend) + 1, name)

    table = Table()
    # The positive control first: it decides whether the 2-thread checks mean anything.
    shared1, shared2 = (medians.get(f"Control/shared_cache_line/threads:{n}") for n in (1, 2))
    own1, own2 = (medians.get(f"Control/own_cache_line/threads:{n}") for n in (1, 2))
    contention = shared2 / shared1 if shared1 and shared2 else None
    measurable = contention is not None and contention >= CONTROL_MIN
    if contention is not None:
        table.add("Control/shared_cache_line (2 threads ÷ 1)", host=f"{contention:.2f}×",
                  base=fmt_time(shared1), a=f"own line: {ratio(own2, own1)}" if own1 and own2 else "",
                  target=f"≥ {CONTROL_MIN:g}× (contention visible)",
                  verdict="contention visible" if measurable else "none: 2-thread checks not measurable")

    for threads in (1, 2):
        for hook in HOT_HOOKS:
            found = hot_cells(medians, counts, hook, threads)
            if found is None:
                continue
            cells, diff_ir, diff_ns, where = found
            name = f"Host/{hook}/threads:{threads}"
            if threads == 1:
                add_added_cost_row(table, name, cells, diff_ir, diff_ns, where)
                add_sample_row(table, medians, counts, hook, where["Sample"])
            else:
                add_scaling_row(table, name, cells, medians[name],
                                medians.get(f"Host/{hook}/threads:1"), contention)

    hot = re.compile(rf"^(Host|Sample|Direct|InProcess|LibSameTLS|LibPIC)/({'|'.join(HOT_HOOKS)})/|^Control/")
    baselines = set()
    for name in order:
        for pattern, replacement in PAIRS:
            if re.search(pattern, name):
                baselines.add(re.sub(pattern, replacement, name))
                break
    for name in order:
        if hot.search(name) or name in baselines:
            continue
        base_name = next((re.sub(p, r, name) for p, r in PAIRS if re.search(p, name)), None)
        base = medians.get(base_name) if base_name else None
        value = medians[name]
        key = re.sub(r"/threads:1$", "", name)  # the callgrind rows run on one thread
        ir = counts[key][0] if key in counts and not name.endswith("/threads:2") else None
        base_ir = counts[base_name][0] if ir is not None and base_name in counts else None
        if name in launch_ir and base_name in launch_ir:  # shown, not judged on
            ir, base_ir = launch_ir[name], launch_ir[base_name]
        cells = dict(host=cell(ir, value),
                     base=f"{cell(base_ir, base)} ({base_name})" if base else "",
                     diff=cell(ir - base_ir if base_ir is not None else None, value - base) if base else "",
                     ratio=" · ".join(filter(None, [f"{ratio(ir, base_ir)} Ir" if base_ir else "",
                                                     ratio(value, base)])))
        target = next(((k, limit) for p, k, limit in TARGETS if re.search(p, name)), None)
        ok = None
        if target:
            kind, limit = target
            time_ok = (base is not None and value / base <= limit) if kind == "ratio" else value <= limit
            cells["target"] = f"≤ {limit:.2f}×" if kind == "ratio" else f"≤ {limit:g} ns"
            if kind == "ratio" and base_ir and name not in launch_ir:
                ok = ir / base_ir <= limit
                cells["verdict"] = f"{verdict(ok)} (on Ir; times {'agree' if ok == time_ok else 'disagree'})"
            else:
                ok = time_ok
                cells["verdict"] = verdict(ok) + (" (on CPU time; Ir shown)" if name in launch_ir else "")
        table.add(name, ok, **cells)

    for name, message in errors:
        table.add(name, verdict=f"ERROR: {message}")
        print(f"error: {name}: {message}", file=sys.stderr)
    table.print()
    for name in table.missed:
        print(f"target missed: {name}", file=sys.stderr)
    if errors:
        return 1
    return 3 if table.missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
