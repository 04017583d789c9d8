"""Schemathesis hooks for motcua's API fuzz run (tests/api-fuzz/run.sh).

One extra check beside "no 5xx": a rejected request (4xx) changes nothing. Every command
appends its events to the audit log in the same transaction as its writes, so a request
that changed state left events behind; the check reads the newest audit sequence number
before each call and, after a 4xx, fails if any event appeared since — except the print
worker's, which runs on its own after earlier, accepted tickets.
"""
import os

import requests
import schemathesis

BASE = os.environ["MOTCUA_BASE"]
AUTH = {"Authorization": "Bearer " + os.environ["MOTCUA_TOKEN"]}
BACKGROUND = {"print_job_changed"}
_before = {}


def _newest(limit=1):
    r = requests.get(f"{BASE}/api/v1/audit", params={"limit": limit}, headers=AUTH, timeout=10)
    r.raise_for_status()
    return r.json()


def _newest_seq():
    events = _newest()
    return events[0]["seq"] if events else 0


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    _before[id(case)] = _newest_seq()


@schemathesis.check
def rejected_requests_change_nothing(ctx, response, case):
    before = _before.pop(id(case), None)
    if before is None or not 400 <= response.status_code < 500:
        return None
    new = [e for e in _newest(50) if e["seq"] > before]
    changed = [e for e in new if e["type"] not in BACKGROUND]
    if changed:
        kinds = ", ".join(e["type"] for e in changed)
        raise AssertionError(
            f"{case.method} {case.formatted_path} was refused with {response.status_code} "
            f"but appended events: {kinds}"
        )
    return None
