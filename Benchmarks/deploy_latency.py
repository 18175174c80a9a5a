#!/usr/bin/env python3
"""Change → applied on the media agent, measured through the API of a running `make run`.

Signs in as the demo admin (.data/demo-credentials), creates one extension, then renames it N
times; after each rename polls GET …/deployments until every node has applied the new desired
revision, and prints the latencies (p50, p95, max)."""
import http.cookiejar, json, statistics, sys, time, urllib.request

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
creds = dict(line.strip().split("=", 1) for line in open(".data/demo-credentials") if "=" in line)
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
csrf = None

def call(method, path, body=None, ctype="application/json"):
    headers = {"Content-Type": ctype}
    if csrf: headers["X-CSRF-Token"] = csrf
    req = urllib.request.Request(base + path, method=method, headers=headers, data=json.dumps(body).encode() if body is not None else None)
    with opener.open(req) as r:
        text = r.read()
        return json.loads(text) if text else None

session = call("POST", "/api/v1/session", {"username": creds["username"], "password": creds["password"]})
csrf = session["csrfToken"]
tenant = creds["tenant"]
me = call("GET", "/api/v1/me")
ext = call("POST", f"/api/v1/tenants/{tenant}/extensions", {"number": str(7000 + int(time.time()) % 2000), "ownerId": me["id"], "name": "bench"})

def applied(after):
    s = call("GET", f"/api/v1/tenants/{tenant}/deployments")
    return s["nodes"] and not s["pending"] and all(n["state"] == "applied" and n["appliedRevision"] == n["desiredRevision"] >= after for n in s["nodes"])

latencies = []
for i in range(rounds):
    before = max([n["desiredRevision"] for n in call("GET", f"/api/v1/tenants/{tenant}/deployments")["nodes"]] or [0])
    start = time.perf_counter()
    call("PATCH", f"/api/v1/tenants/{tenant}/extensions/{ext['id']}", {"name": f"bench {i}"}, "application/merge-patch+json")
    while not applied(before + 1):
        time.sleep(0.005)
    latencies.append(time.perf_counter() - start)
call("DELETE", f"/api/v1/tenants/{tenant}/extensions/{ext['id']}")
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"change → applied on the agent, {rounds} rounds: p50 {p(0.5)*1000:.0f} ms, p95 {p(0.95)*1000:.0f} ms, max {latencies[-1]*1000:.0f} ms")
