#!/usr/bin/env python3
"""Writes a large archcheck model for benchmarks (format version 1) to stdout.

Usage: scripts/gen_model.py [APPS] [SERVICES] [ENVIRONMENTS]   (default 2000 2000 10)

Every app and service exists in every environment; each app is bound to three services
(one of them non-critical, with a purpose), and every tenth app uses an external.
Deterministic: same arguments, same bytes.
"""
import json
import sys

KINDS = ["database", "queue", "cache", "search", "storage", "monitoring", "logging",
         "email", "identity", "config", "other"]


def main() -> None:
    apps_n, services_n, envs_n = (int(a) for a in (sys.argv[1:] + ["2000", "2000", "10"][len(sys.argv[1:]):]))
    envs = {f"env{e:02d}": {"org": "bench", "space": f"space-{e:02d}",
                            "description": f"environment {e}"} for e in range(envs_n)}
    services = {}
    for s in range(services_n):
        kind = KINDS[s % len(KINDS)]
        spec = {"name": f"{{system}}-svc-{s:05d}-{{env}}", "kind": kind,
                "description": f"service {s} ({kind})"}
        if s % 5 == 4:
            spec["user_provided"] = True
        else:
            spec["offering"] = f"offering-{s % 17}"
            spec["plan"] = "small"
            spec["overrides"] = {"env00": {"plan": "large"}}
        services[f"svc{s:05d}"] = spec
    apps = {}
    for a in range(apps_n):
        bound = []
        for k, step in enumerate((0, 7, 13)):
            sid = f"svc{(a * 3 + step) % services_n:05d}"
            if any((b if isinstance(b, str) else b["service"]) == sid for b in bound):
                continue
            if k == 2:
                bound.append({"service": sid, "critical": False, "purpose": "metrics <& \"stats\">"})
            elif k == 1:
                bound.append({"service": sid, "purpose": f"purpose {a}"})
            else:
                bound.append(sid)
        apps[f"app{a:05d}"] = {
            "name": f"{{system}}-app-{a:05d}-{{env}}",
            "description": f"app {a}",
            "memory": "512M",
            "instances": 1 + a % 3,
            "routes": [f"app-{a:05d}-{{env}}.example.org"],
            "services": bound,
        }
    externals = {"login": {"label": "login service", "used_by": [f"app{a:05d}" for a in range(0, apps_n, 10)]}}
    model = {"version": 1, "system": "bench",
             "description": f"generated: {apps_n} apps, {services_n} services, {envs_n} environments",
             "environments": envs, "apps": apps, "services": services, "externals": externals}
    json.dump(model, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
