#!/usr/bin/env python3
"""Fills a fresh Centralita database for the benchmarks, through the CLI and the public API.

    Benchmarks/seed.py BINARY BASE_URL TENANTS EXTENSIONS OUT_DIR

For each of TENANTS tenants: `centralita tenant create`, `centralita user create --role admin`,
a sign-in (session cookie + CSRF token), an admin API key and EXTENSIONS extensions made with
POST. Writes OUT_DIR/tenants.lua (for wrk's Lua scripts) and prints the first tenant as
shell assignments (TENANT, API_KEY, COOKIE, CSRF, EXTENSION).
"""
import json
import subprocess
import sys
import urllib.error
import urllib.request

binary, base, tenant_count, extension_count, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def cli(*args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path}: {error.code} {error.read().decode()}")


tenants = []
for t in range(tenant_count):
    tenant = cli("tenant", "create", "--name", f"Bench {t}", "--timezone", "Europe/Madrid").strip().splitlines()[-1]
    username = f"bench.admin{t}"
    out = cli("user", "create", "--tenant", tenant, "--role", "admin", "--username", username, "--first-name", "Bench", "--last-name", str(t))
    password = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("password: "))
    _, headers, session = call("POST", "/api/v1/session", {"username": username, "password": password})
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    csrf = session["csrfToken"]
    session_headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
    _, _, key = call("POST", f"/api/v1/tenants/{tenant}/api-keys", {"name": "bench", "role": "admin"}, session_headers)
    extensions = []
    for n in range(extension_count):
        _, _, ext = call("POST", f"/api/v1/tenants/{tenant}/extensions",
                         {"ownerId": session["user"]["id"], "number": str(1000 + n), "name": f"Desk {n}", "ringSeconds": 20},
                         session_headers)
        extensions.append(ext["id"])
    tenants.append({"tenant": tenant, "key": key["secret"], "cookie": cookie, "csrf": csrf, "extensions": extensions})

with open(f"{out_dir}/tenants.lua", "w") as f:
    f.write("return {\n")
    for t in tenants:
        ext = ", ".join(f'"{e}"' for e in t["extensions"])
        f.write(f'  {{ tenant = "{t["tenant"]}", key = "{t["key"]}", cookie = "{t["cookie"]}", csrf = "{t["csrf"]}", extensions = {{ {ext} }} }},\n')
    f.write("}\n")

first = tenants[0]
print(f'TENANT={first["tenant"]}')
print(f'API_KEY={first["key"]}')
print(f'COOKIE="{first["cookie"]}"')
print(f'CSRF={first["csrf"]}')
print(f'EXTENSION={first["extensions"][0]}')
