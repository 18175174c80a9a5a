"""How fast the browser app appears and moves, in a real headless Chromium.

    make run                                                        # in one terminal
    python3 Benchmarks/browser_load.py [base URL] [rounds] [extensions]   # in another

Signs in as the demo admin (from .data/demo-credentials, written by `make run`). With
`extensions` above 0 it first makes a tenant of that size instead (`centralita tenant create`
on the same database, then the API): that many phone extensions, a fifth as many time
intervals and a tenth as many users, and signs in as its admin. Each round
starts a fresh browser (empty cache). Times come from the page's own clock: the app records a
performance measure `screen <path>` from the moment a screen starts until its content is
shown, so WebDriver's round trips are not counted. Per round:
- cold: navigation start until the sign-in form shows (mark `sign-in shown`); submitting it until the users screen is
  shown (session, profile, language, tenant, users); the bytes transferred (compressed);
- warm: a reload (assets are immutable, so they come from the cache) until the users screen
  is shown again, and the bytes that took;
- screen switches: a menu click until that screen is shown, for five screens.
Prints the median and the slowest of each over the rounds, and first how long the server
alone takes to send every app file to 6 keep-alive connections (as a browser would open).
"""
import http.client
import json
import os
import re
import threading
import statistics
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
size = int(sys.argv[3]) if len(sys.argv) > 3 else 0
home = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
credentials = dict(line.strip().split("=", 1) for line in open(os.path.join(home, ".data", "demo-credentials")))


def session(username, password):
    """Calls the API as `username` (a cookie session with its CSRF token); returns (call, user)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    csrf = {}

    def call(method, path, body):
        headers = {"Content-Type": "application/merge-patch+json" if method == "PATCH" else "application/json"}
        if csrf:
            headers["X-CSRF-Token"] = csrf["token"]
        request = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method=method, headers=headers)
        with opener.open(request) as response:
            return json.loads(response.read() or b"null")

    signed_in = call("POST", "/session", {"username": username, "password": password})
    csrf["token"] = signed_in["csrfToken"]
    return call, signed_in["user"]


def seeded_tenant(count):
    """A new tenant with `count` phones, count/5 intervals and count/10 users; its admin's credentials."""
    cli = os.path.join(home, ".build", "release", "centralita")
    env = dict(os.environ, DATABASE_URL=credentials["url"])
    stamp = int(time.time())

    def run(*arguments):
        return subprocess.run([cli, *arguments], env=env, check=True, capture_output=True, text=True).stdout

    def password_of(output):
        return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("password: "))

    tenant = run("tenant", "create", "--name", f"Browser benchmark {stamp}", "--language", "en").strip().splitlines()[-1]
    admin_name, operator_name = f"bench.{stamp}", f"bench.operator.{stamp}"
    admin_password = password_of(run("user", "create", "--tenant", tenant, "--role", "admin", "--username", admin_name, "--first-name", "Bench"))
    operator_password = password_of(run("user", "create", "--operator", "--username", operator_name))
    operator, _ = session(operator_name, operator_password)
    operator("PATCH", f"/tenants/{tenant}", {"maxExtensions": count + 10})
    call, admin = session(admin_name, admin_password)
    t = f"/tenants/{tenant}"
    for i in range(count // 10):
        call("POST", f"{t}/users", {"firstName": f"User {i}", "lastName": "Bench", "username": f"user{i}.{stamp}",
                                    "password": "correct horse battery", "passwordConfirmation": "correct horse battery", "role": "member"})
    for i in range(count):
        call("POST", f"{t}/extensions", {"ownerId": admin["id"], "number": str(2000 + i), "name": f"Phone {i}"})
    for i in range(count // 5):
        call("POST", f"{t}/intervals", {"name": f"Interval {i}", "timezone": "Europe/Madrid", "startTime": "09:00", "endTime": "18:00",
                                        "startWeekday": "monday", "endWeekday": "friday"})
    return {"username": admin_name, "password": admin_password}


if size > 0:
    credentials = seeded_tenant(size)

# Milliseconds since navigation start, and bytes transferred so far (compressed).
CLOCK = "return performance.now()"
BYTES = """return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
           .reduce((sum, e) => sum + (e.transferSize || 0), 0)"""


def shown(driver, path, after=0):
    """Waits for the screen's measure; returns (when it ended, how long it took) in ms."""
    script = f"return performance.getEntriesByName('screen {path}').filter(e => e.startTime >= {after}).map(e => [e.startTime + e.duration, e.duration])[0]"
    return WebDriverWait(driver, 30, poll_frequency=0.01).until(lambda d: d.execute_script(script))


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


figures = {}


def record(name, value):
    figures.setdefault(name, []).append(value)


def server_only():
    """Every file index.html names, fetched gzipped over 6 keep-alive connections: (files, ms)."""
    html = urllib.request.urlopen(base + "/").read().decode()
    paths = re.findall(r'(?:href|src)="(/v/[^"]+)"', html)
    host, port = urlparse(base).hostname, urlparse(base).port

    def fetch(share):
        connection = http.client.HTTPConnection(host, port)
        for path in share:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            connection.getresponse().read()

    start = time.perf_counter()
    threads = [threading.Thread(target=fetch, args=(paths[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(paths), (time.perf_counter() - start) * 1000


served = [server_only() for _ in range(rounds)]
for _ in range(rounds):
    driver = browser()
    try:
        driver.get(base + "/")
        record("cold: sign-in form shows (ms)", WebDriverWait(driver, 30, poll_frequency=0.01).until(
            lambda d: d.execute_script("return performance.getEntriesByName('sign-in shown')[0]?.startTime")))
        driver.find_element(By.ID, "username").send_keys(credentials["username"])
        driver.execute_script("document.addEventListener('submit', () => { window.submittedAt = performance.now(); }, true)")
        driver.find_element(By.ID, "password").send_keys(credentials["password"] + Keys.ENTER)
        ended, _ = shown(driver, "/users")
        record("cold: sign-in to users screen (ms)", ended - driver.execute_script("return window.submittedAt"))
        record("cold: bytes transferred", driver.execute_script(BYTES))
        driver.refresh()
        ended, _ = shown(driver, "/users")
        record("warm: reload to users screen (ms)", ended)
        record("warm: bytes transferred", driver.execute_script(BYTES))
        for path in ("/extensions", "/queues", "/ivr", "/call-flows", "/intervals"):
            now = driver.execute_script(CLOCK)
            driver.execute_script("arguments[0].click()", driver.find_element(By.CSS_SELECTOR, f"nav a[href='{path}']"))
            _, took = shown(driver, path, now)
            record(f"switch to {path} (ms)", took)
    finally:
        driver.quit()

print(f"{rounds} rounds against {base}" + (f", a tenant of {size} extensions" if size else ", the demo tenant"))
print(f"{'server alone: ' + str(served[0][0]) + ' files, 6 connections (ms)':40s} median {statistics.median(ms for _, ms in served):9.1f}"
      f"   slowest {max(ms for _, ms in served):9.1f}")
for name, values in figures.items():
    print(f"{name:40s} median {statistics.median(values):9.0f}   slowest {max(values):9.0f}")
