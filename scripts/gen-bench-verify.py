#!/usr/bin/env python3
"""Deterministic inputs for the `archcheck verify --cf-services` benchmark (BENCHMARKS.md).

  gen-bench-verify.py model  OUT.json [--instances N] [--apps-per N]
      A model with one environment `bench` (org `bench`, space `bench`) holding N service
      instances (every fifth user-provided, the rest managed with one of a few offerings and
      plans) and N / per apps, app i bound to instances i*per .. i*per+per-1, so every
      instance is bound to exactly one app (N bindings).

  gen-bench-verify.py lose   IN.txt OUT.txt [--every K]
      A copy of a v8 `cf services` capture in which every K-th instance has lost its
      binding: the bound-apps cell is blanked with spaces of the same width, so the
      column offsets stay as the header says.

Standard library only; same arguments, same bytes.
"""
import argparse
import json
import sys

OFFERINGS = [
    ("aws-rds", ["micro-psql", "medium-psql", "large-psql"]),
    ("redis", ["standard", "ha"]),
    ("elasticsearch", ["1x", "3x"]),
    ("s3", ["basic"]),
]


def model(args):
    n, per = args.instances, args.apps_per
    if n % per:
        sys.exit("--instances must be a multiple of --apps-per")
    services = {}
    for i in range(n):
        sid = f"s{i:05d}"
        if i % 5 == 4:
            services[sid] = {"name": f"bench-ups-{i:05d}", "user_provided": True}
        else:
            offering, plans = OFFERINGS[i % len(OFFERINGS)]
            services[sid] = {
                "name": f"bench-svc-{i:05d}",
                "offering": offering,
                "plan": plans[i % len(plans)],
            }
    apps = {}
    for a in range(n // per):
        apps[f"a{a:05d}"] = {
            "name": f"bench-app-{a:05d}",
            "memory": "256M",
            "no_route": True,
            "services": [f"s{a * per + k:05d}" for k in range(per)],
        }
    doc = {
        "version": 1,
        "system": "bench",
        "description": f"benchmark: {n} service instances, {n // per} apps, {n} bindings",
        "environments": {"bench": {"org": "bench", "space": "bench"}},
        "apps": apps,
        "services": services,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


def lose(args):
    with open(args.input, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header_at = next(i for i, l in enumerate(lines) if l.startswith("name "))
    header = lines[header_at]
    start = header.index("bound apps")
    end = header.index("last operation")
    row = 0
    lost = 0
    for i in range(header_at + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if row % args.every == 0:
            cell = line[start:end]
            if cell.strip():
                lines[i] = line[:start] + " " * len(cell) + line[end:]
                lost += 1
        row += 1
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"{lost} of {row} instances lost their binding", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("model")
    m.add_argument("out")
    m.add_argument("--instances", type=int, default=10000)
    m.add_argument("--apps-per", type=int, default=10)
    m.set_defaults(func=model)
    l = sub.add_parser("lose")
    l.add_argument("input")
    l.add_argument("out")
    l.add_argument("--every", type=int, default=100)
    l.set_defaults(func=lose)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
