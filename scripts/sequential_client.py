#!/usr/bin/env python3
"""A plain sequential Cloud Controller v3 client, the baseline of the live-verification
benchmark (BENCHMARKS.md): for each space in turn, it lists what `cf services` (v8) and then
`cf apps` (v8) list, the way they list it, one request at a time.

  sequential_client.py API_URL ORG SPACE [SPACE ...]

Per space (the cf CLI has the space GUID from its saved target; this client looks it up once
per space, as `cf target -s SPACE` does):
  0. GET /v3/spaces?names=SPACE&organization_guids=ORG_GUID
  cf services (v8), as tests/fixtures/reference/cf-cli-output.md describes it:
  1. GET /v3/service_instances?space_guids=S&order_by=name&per_page=5000 with the three
     fields[...] parameters for plan, offering and broker names (pages followed);
  2. if there are instances, per batch of up to 200 instance GUIDs:
     GET /v3/service_credential_bindings?service_instance_guids=...&include=app
     (per_page left at the CLI's 50; pages followed);
  cf apps (v8):
  3. GET /v3/apps?space_guids=S&order_by=name&per_page=5000;
  4. GET /v3/processes?app_guids=...&per_page=5000 (processes of those apps);
  5. per process: GET /v3/processes/:guid/stats;
  6. GET /v3/routes?app_guids=...&per_page=5000 (routes of those apps).
Once at the start: GET /v3/organizations?names=ORG. Token: CF_OAUTH_TOKEN (sent as is, with
`bearer ` added when missing), else a client_credentials grant with CF_CLIENT_ID and
CF_CLIENT_SECRET at the UAA that `GET /` names.

Prints one JSON line: {"requests": N, "seconds": S, "spaces": [...]} with per-space counts of
instances, bindings, apps, processes and routes. Standard library only.
"""
import base64
import json
import os
import sys
import time
import urllib.parse
import urllib.request

BATCH = 200
FIELDS = [
    ("fields[service_plan]", "guid,name,relationships.service_offering"),
    ("fields[service_plan.service_offering]", "guid,name,relationships.service_broker"),
    ("fields[service_plan.service_offering.service_broker]", "guid,name"),
]


class Client:
    def __init__(self, api):
        self.api = api.rstrip("/")
        self.requests = 0
        self.token = None

    def _send(self, req):
        self.requests += 1
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def login(self):
        token = os.environ.get("CF_OAUTH_TOKEN")
        if token:
            self.token = token if token.lower().startswith("bearer ") else "bearer " + token
            return
        cid, secret = os.environ.get("CF_CLIENT_ID"), os.environ.get("CF_CLIENT_SECRET")
        if not (cid and secret):
            sys.exit("set CF_OAUTH_TOKEN, or CF_CLIENT_ID and CF_CLIENT_SECRET")
        root = self._send(urllib.request.Request(self.api + "/"))
        links = root.get("links", {})
        uaa = (links.get("login") or links.get("uaa"))["href"].rstrip("/")
        basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
        req = urllib.request.Request(
            uaa + "/oauth/token",
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={"Authorization": "Basic " + basic, "Accept": "application/json"},
        )
        self.token = "bearer " + self._send(req)["access_token"]

    def get(self, url):
        return self._send(urllib.request.Request(url, headers={"Authorization": self.token}))

    def list(self, path, params):
        """Every resource of a list, following pagination.next; and the included resources."""
        url = self.api + path + "?" + urllib.parse.urlencode(params)
        resources, included = [], {}
        while url:
            page = self.get(url)
            resources.extend(page.get("resources", []))
            for k, v in page.get("included", {}).items():
                included.setdefault(k, []).extend(v)
            nxt = (page.get("pagination") or {}).get("next")
            url = nxt["href"] if nxt else None
        return resources, included


def space_contents(c, org_guid, name):
    spaces, _ = c.list("/v3/spaces", [("names", name), ("organization_guids", org_guid)])
    if not spaces:
        sys.exit(f"space {name} not found")
    s = spaces[0]["guid"]
    # cf services
    instances, _ = c.list(
        "/v3/service_instances",
        [("space_guids", s), ("order_by", "name"), ("per_page", "5000")] + FIELDS,
    )
    bindings = 0
    guids = [i["guid"] for i in instances]
    for at in range(0, len(guids), BATCH):
        found, _ = c.list(
            "/v3/service_credential_bindings",
            [("service_instance_guids", ",".join(guids[at : at + BATCH])), ("include", "app")],
        )
        bindings += sum(1 for b in found if b.get("type") == "app")
    # cf apps
    apps, _ = c.list("/v3/apps", [("space_guids", s), ("order_by", "name"), ("per_page", "5000")])
    processes, routes = [], []
    if apps:
        app_guids = ",".join(a["guid"] for a in apps)
        processes, _ = c.list("/v3/processes", [("app_guids", app_guids), ("per_page", "5000")])
        for p in processes:
            c.get(f"{c.api}/v3/processes/{p['guid']}/stats")
        routes, _ = c.list("/v3/routes", [("app_guids", app_guids), ("per_page", "5000")])
    return {
        "space": name,
        "instances": len(instances),
        "bindings": bindings,
        "apps": len(apps),
        "processes": len(processes),
        "routes": len(routes),
    }


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    api, org, spaces = sys.argv[1], sys.argv[2], sys.argv[3:]
    started = time.monotonic()
    c = Client(api)
    c.login()
    orgs, _ = c.list("/v3/organizations", [("names", org)])
    if not orgs:
        sys.exit(f"org {org} not found")
    seen = [space_contents(c, orgs[0]["guid"], s) for s in spaces]
    print(json.dumps({"requests": c.requests, "seconds": round(time.monotonic() - started, 3), "spaces": seen}))


if __name__ == "__main__":
    main()
