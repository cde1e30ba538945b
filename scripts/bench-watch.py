#!/usr/bin/env python3
"""Samples a running `archcheck watch` while it makes N rounds (scripts/bench-watch.sh).

Usage: scripts/bench-watch.py WATCH_URL WATCH_PID SIM_URL SIM_PID STATE_FILE ROUNDS OUT.tsv [--no-toggle]

Polls /metrics (archcheck_rounds_total) every 200 ms. At rounds 100, 1,000, 2,000, 5,000 and
ROUNDS it records the watch's resident memory (VmRSS and its peak, VmHWM, from
/proc/PID/status), its CPU time (utime + stime of /proc/PID/stat), its threads and open files,
the number of series /metrics exports, the bytes of / and of /status, the transitions /status
keeps, the state file's size (with its -wal), and the simulator's memory.

Every TOGGLE_EVERY rounds it posts or removes the fault unbind:staging:worker:queue on the
simulator, so staging goes CRITICAL and back (transitions stored, announced to the webhook,
kept in the timeline) all through the run; with --no-toggle it leaves the faults alone (for a
second watch of the same simulator, sampled beside the first). Standard library only; stops by itself (at ROUNDS,
or after an hour, or when the watch exits).
"""
import json
import os
import sys
import time
import urllib.request

TOGGLE_EVERY = 25
FAULT = "unbind:staging:worker:queue"
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def fault(sim: str, on: bool) -> None:
    if on:
        body = json.dumps({"faults": [FAULT]}).encode()
        req = urllib.request.Request(f"{sim}/_sim/faults", data=body, method="POST",
                                     headers={"content-type": "application/json"})
    else:
        req = urllib.request.Request(f"{sim}/_sim/faults", method="DELETE")
    urllib.request.urlopen(req, timeout=10).read()


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
    return (int(fields[11]) + int(fields[12])) / CLK


def kb(status: dict, key: str) -> int:
    return int(status[key].split()[0])


def rounds_of(metrics: str) -> int:
    for line in metrics.splitlines():
        if line.startswith("archcheck_rounds_total{"):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def series(metrics: str) -> int:
    return sum(1 for l in metrics.splitlines() if l and not l.startswith("#"))


def file_size(path: str) -> int:
    if not path:
        return 0
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def sample(watch: str, pid: int, sim_pid: int, state: str, metrics: str, t0: float) -> dict:
    st = proc_status(pid)
    status = get(f"{watch}/status")
    return {
        "rounds": rounds_of(metrics),
        "elapsed_s": round(time.monotonic() - t0, 1),
        "rss_kb": kb(st, "VmRSS"),
        "hwm_kb": kb(st, "VmHWM"),
        "cpu_s": round(cpu_seconds(pid), 2),
        "threads": int(st["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "series": series(metrics),
        "page_bytes": len(get(f"{watch}/")),
        "status_bytes": len(status),
        "timeline": len(json.loads(status).get("timeline", [])),
        "state_bytes": file_size(state),
        "sim_rss_kb": kb(proc_status(sim_pid), "VmRSS"),
    }


def main() -> None:
    watch, pid, sim, sim_pid, state, total, out = sys.argv[1:8]
    toggle = "--no-toggle" not in sys.argv[8:]
    pid, sim_pid, total = int(pid), int(sim_pid), int(total)
    marks = sorted({m for m in (100, 1000, 2000, 5000, total) if m <= total})
    rows = []
    t0 = time.monotonic()
    deadline = t0 + 3600
    faulted = False
    next_toggle = TOGGLE_EVERY
    while marks:
        if time.monotonic() > deadline:
            sys.exit(f"gave up: {marks} rounds not reached within an hour")
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit("archcheck watch exited")
        metrics = get(f"{watch}/metrics").decode()
        n = rounds_of(metrics)
        if toggle and n >= next_toggle:
            faulted = not faulted
            fault(sim, faulted)
            next_toggle += TOGGLE_EVERY
        if n >= marks[0]:
            row = sample(watch, pid, sim_pid, state, metrics, t0)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
            while marks and row["rounds"] >= marks[0]:
                marks.pop(0)
        time.sleep(0.2)
    with open(out, "w") as f:
        cols = list(rows[0])
        f.write("\t".join(cols) + "\n")
        for r in rows:
            f.write("\t".join(str(r[c]) for c in cols) + "\n")


if __name__ == "__main__":
    main()
