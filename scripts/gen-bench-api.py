#!/usr/bin/env python3
"""A deterministic model for the live-verification benchmark (BENCHMARKS.md).

  gen-bench-api.py OUT.json [--envs 50] [--apps 40] [--services 40] [--bindings 3]

One org `bench`, environments env00 .. env49 (space = environment name), each with the same
APPS apps and SERVICES service instances (every fourth user-provided, the others managed
with one of a few offerings and plans); app k is bound to BINDINGS instances (k, k+1, k+7,
... modulo SERVICES), so each instance is bound to BINDINGS apps; every app has one route.

Standard library only; same arguments, same bytes.
"""
import argparse
import json

OFFERINGS = [
    ("aws-rds", ["micro-psql", "medium-psql"]),
    ("redis", ["standard"]),
    ("elasticsearch", ["1x", "3x"]),
]
STEPS = [0, 1, 7, 13, 19, 23, 29, 31]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--envs", type=int, default=50)
    p.add_argument("--apps", type=int, default=40)
    p.add_argument("--services", type=int, default=40)
    p.add_argument("--bindings", type=int, default=3)
    a = p.parse_args()
    if a.bindings > len(STEPS) or a.bindings > a.services:
        p.error("too many bindings per app")
    services = {}
    for i in range(a.services):
        sid = f"s{i:02d}"
        if i % 4 == 3:
            services[sid] = {"name": f"{{env}}-ups-{i:02d}", "user_provided": True}
        else:
            offering, plans = OFFERINGS[i % len(OFFERINGS)]
            services[sid] = {
                "name": f"{{env}}-svc-{i:02d}",
                "offering": offering,
                "plan": plans[i % len(plans)],
            }
    apps = {}
    for k in range(a.apps):
        apps[f"a{k:02d}"] = {
            "name": f"{{env}}-app-{k:02d}",
            "memory": "256M",
            "routes": [f"{{env}}-app-{k:02d}.apps.example.org"],
            "services": [f"s{(k + s) % a.services:02d}" for s in STEPS[: a.bindings]],
        }
    doc = {
        "version": 1,
        "system": "fleet",
        "description": f"benchmark: {a.envs} environments of {a.apps} apps and {a.services} service instances",
        "environments": {f"env{e:02d}": {"org": "bench", "space": f"env{e:02d}"} for e in range(a.envs)},
        "apps": apps,
        "services": services,
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
