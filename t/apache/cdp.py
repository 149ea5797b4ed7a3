#!/usr/bin/env python3
"""cdp.py: drive headless Chromium over --remote-debugging-pipe (no websocket,
no npm): open URL, save a screenshot, click the "unban" button of CLIENT,
print one JSON line with what the page showed before and after.

usage: cdp.py CHROMIUM URL CLIENT SCREENSHOT.png
"""
import base64, json, os, subprocess, sys, tempfile, time

chromium, url, client, shot = sys.argv[1:5]
r_in, w_in = os.pipe()     # we write commands -> chromium reads fd 3
r_out, w_out = os.pipe()   # chromium writes fd 4 -> we read
profile = tempfile.mkdtemp(prefix="sg-chromium.")


def child_fds():
    # Copies above 4 first: a pipe end may already be 3 or 4 (and close-on-exec).
    a, b = os.dup(r_in), os.dup(w_out)
    os.dup2(a, 3)
    os.dup2(b, 4)


proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
     "--disable-component-update", "--no-first-run", "--user-data-dir=" + profile,
     "--remote-debugging-pipe", "--window-size=1100,700", "about:blank"],
    close_fds=False, preexec_fn=child_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(r_in)
os.close(w_out)
reader = os.fdopen(r_out, "rb")
buf = b""
next_id = 0
deadline = time.time() + 60


def recv():
    global buf
    while b"\0" not in buf:
        if time.time() > deadline:
            raise SystemExit("cdp: timed out")
        chunk = os.read(r_out, 65536)
        if not chunk:
            raise SystemExit("cdp: chromium closed the pipe")
        buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)


def call(method, session=None, **params):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params}
    if session:
        msg["sessionId"] = session
    os.write(w_in, json.dumps(msg).encode() + b"\0")
    while True:
        m = recv()
        if m.get("id") == next_id:
            if "error" in m:
                raise SystemExit("cdp: %s: %s" % (method, m["error"]))
            return m.get("result", {})


def wait_event(name, session):
    while True:
        m = recv()
        if m.get("method") == name and m.get("sessionId") == session:
            return m


def evaluate(session, expr):
    return call("Runtime.evaluate", session, expression=expr, returnByValue=True)["result"].get("value")


try:
    target = call("Target.createTarget", url="about:blank")["targetId"]
    session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    call("Page.enable", session)
    call("Page.navigate", session, url=url)
    wait_event("Page.loadEventFired", session)
    before = evaluate(session, "document.body.innerText")
    png = call("Page.captureScreenshot", session, format="png")["data"]
    with open(shot, "wb") as f:
        f.write(base64.b64decode(png))
    clicked = evaluate(session, """(() => {
        for (const f of document.querySelectorAll('#bans form')) {
            if (f.querySelector('input[name=client]').value === %s) {
                f.querySelector('button').click(); return true; }
        }
        return false; })()""" % json.dumps(client))
    if clicked:
        wait_event("Page.loadEventFired", session)
    after = evaluate(session, "document.body.innerText")
    after_url = evaluate(session, "location.href")
    print(json.dumps({"before": before, "clicked": clicked, "after": after, "after_url": after_url}))
finally:
    try:
        call("Browser.close")
    except BaseException:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    subprocess.run(["rm", "-rf", profile])
