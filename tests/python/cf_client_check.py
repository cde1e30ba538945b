#!/usr/bin/env python3
"""Points the independent PyPI client `cloudfoundry-client` at an archcheck simulator and
checks that it sees what the model says.

Logs in with a password grant (`init_with_user_credentials`), lists organizations, spaces,
apps and service instances through `client.v3`, following every page, reads the plan of a
managed instance through `fields[service_plan]` -> `included`, and (with --expire-tokens)
expires the tokens through the simulator's control endpoint and lists again, which works only
if the client's automatic refresh succeeds.

Exits 0 only when every expected name was seen (and nothing else); 1 with the differences
otherwise; 2 when the package is missing.

    python3 tests/python/cf_client_check.py URL --apps a,b --services x,y [--orgs o] [--spaces s]
"""

import argparse
import json
import sys
import urllib.request

try:
    from cloudfoundry_client.client import CloudFoundryClient
except ImportError as e:  # pragma: no cover - the Rust test reports the install step
    print(f"cloudfoundry-client is not installed ({e}); "
          "install it with `python3 -m pip install cloudfoundry-client==1.40.4 typing_extensions==4.15.0`", file=sys.stderr)
    sys.exit(2)


def names(entities):
    return sorted(e["name"] for e in entities)


def split(text):
    return sorted(n for n in (text or "").split(",") if n)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--apps", required=True)
    p.add_argument("--services", required=True)
    p.add_argument("--orgs")
    p.add_argument("--spaces")
    p.add_argument("--plan", help="INSTANCE=PLAN: the plan name fields[service_plan] must give")
    p.add_argument("--expire-tokens", action="store_true")
    a = p.parse_args()

    client = CloudFoundryClient(a.url)
    client.init_with_user_credentials(a.user, a.password)
    v3 = client.v3
    problems = []

    def expect(what, seen, wanted):
        if seen != wanted:
            problems.append(f"{what}: expected {wanted}, saw {seen}")
        else:
            print(f"ok: {len(seen)} {what}")

    if a.orgs is not None:
        expect("organizations", names(v3.organizations.list()), split(a.orgs))
    if a.spaces is not None:
        expect("spaces", names(v3.spaces.list()), split(a.spaces))
    expect("apps", names(v3.apps.list()), split(a.apps))
    expect("service instances", names(v3.service_instances.list()), split(a.services))

    if a.plan:
        instance, plan = a.plan.split("=", 1)
        found = list(v3.service_instances.list(names=[instance],
                                               fields={"service_plan": ["guid", "name"]}))
        if len(found) != 1:
            problems.append(f"service instance {instance}: found {len(found)}")
        else:
            seen = found[0].service_plan()["name"]
            if seen != plan:
                problems.append(f"plan of {instance}: expected {plan}, saw {seen}")
            else:
                print(f"ok: plan of {instance} is {plan} (fields[service_plan] -> included)")

    if a.expire_tokens:
        req = urllib.request.Request(
            a.url.rstrip("/") + "/_sim/faults",
            data=json.dumps({"faults": ["expire-tokens"]}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(req).read()
        expect("apps after the tokens expired", names(v3.apps.list()), split(a.apps))

    for problem in problems:
        print("MISMATCH: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
