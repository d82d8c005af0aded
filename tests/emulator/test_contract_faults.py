"""Contract: throttling and transient faults (api.md "Throttling and transient faults"), the fault
hook (``faults.Faults``, with a fake clock where time matters) and the control API."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from ocm_tool.emulator.api.exceptions import ApiProblem
from ocm_tool.emulator.faults import COUNTERS, FaultConfig, Faults, retry_after_header

from .contract import ALICE, BOB, FULL_APP, SALES, Api, error_of

CONTACTS = f"/users/{ALICE}/XrmContacts"


# -- each fault over HTTPS -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "status", "code", "retry_after", "counter"),
    [
        ("throttle_rate", 429, "TooManyRequests", "3", "throttled"),
        ("unavailable_rate", 503, "ServiceUnavailable", "3", "unavailable"),
        ("gateway_timeout_rate", 504, "GatewayTimeout", None, "gateway_timeouts"),
    ],
)
def test_injected_answers(
    fresh: Api, setting: str, status: int, code: str, retry_after: str | None, counter: str
) -> None:
    fresh.token(ALICE)
    fresh.handle.set_faults(**{setting: 1.0}, retry_after=3)
    answer = fresh.get(CONTACTS)
    assert error_of(answer) == (status, code)
    assert answer.headers.get("Retry-After") == retry_after
    assert (fresh.handle.stats()["requests"], fresh.handle.stats()[counter]) == (1, 1)


def test_a_dropped_connection_gets_no_answer(fresh: Api) -> None:
    fresh.token(ALICE)
    fresh.handle.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        fresh.get(CONTACTS)
    fresh.handle.clear_faults()
    assert fresh.get(CONTACTS).status_code == 200
    assert fresh.handle.stats()["dropped"] == 1


def test_faults_spare_identity_control_and_unlisted_paths(fresh: Api) -> None:
    fresh.handle.set_faults(throttle_rate=1.0, paths=["XrmDeals"])
    assert fresh.new_token(ALICE)  # identity: never faulted
    assert fresh.control("GET", "/stats").status_code == 200  # control API: never faulted
    assert fresh.get(CONTACTS).status_code == 200
    assert error_of(fresh.get(f"/users/{ALICE}/XrmDeals")) == (429, "TooManyRequests")


def test_the_same_seed_repeats_the_same_faults(fresh: Api) -> None:
    def run() -> list[int]:
        fresh.handle.set_faults(throttle_rate=0.5, retry_after=0.01, seed=42)
        statuses = []
        for _ in range(12):
            # No wait between calls: a call within VIOLATION_GRACE (0.2 s) of a 429 is never a
            # violation, and this Retry-After (0.01 s) is over well inside it.
            statuses.append(fresh.get(CONTACTS).status_code)
        return statuses

    first = run()
    assert set(first) == {200, 429}
    assert run() == first
    assert fresh.handle.stats()["retry_after_violations"] == 0


def test_a_call_during_its_retry_after_is_refused_and_counted(fresh: Api) -> None:
    fresh.token(ALICE), fresh.token(FULL_APP)
    fresh.handle.set_faults(throttle_rate=1.0, retry_after=30, paths=[f"{ALICE}/XrmContacts"])
    assert fresh.get(CONTACTS).status_code == 429
    fresh.handle.set_faults(throttle_rate=0.0)
    time.sleep(0.3)  # past the grace for calls already on their way
    again = fresh.get(CONTACTS)
    assert error_of(again) == (429, "TooManyRequests")
    assert int(again.headers["Retry-After"]) in range(29, 31)
    assert fresh.handle.stats()["retry_after_violations"] == 1
    assert fresh.get(CONTACTS, who=FULL_APP).status_code == 200  # another client
    assert fresh.get(f"/users/{SALES}/XrmDeals").status_code == 200  # another mailbox
    assert error_of(fresh.get(f"/users/{ALICE}/XrmDeals")) == (
        429,
        "TooManyRequests",
    )  # any path of hers


def test_a_mailbox_budget_answers_429_until_its_window_frees(fresh: Api) -> None:
    fresh.handle.set_faults(budget=2, budget_window=600)
    assert [fresh.get(CONTACTS).status_code for _ in range(2)] == [200, 200]
    spent = fresh.get(CONTACTS)
    assert error_of(spent) == (429, "TooManyRequests")
    assert int(spent.headers["Retry-After"]) in range(595, 601)
    assert (
        fresh.get(f"/users/{BOB}/XrmContacts", who=FULL_APP).status_code == 200
    )  # another mailbox
    assert fresh.handle.stats()["budget_exhausted"] == 1


def test_concurrency_limit_latency_and_in_flight_peaks(fresh: Api) -> None:
    fresh.token(ALICE)
    fresh.handle.set_faults(latency=1.0, max_concurrent=2)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(fresh.get(CONTACTS).status_code))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429]
    stats = fresh.handle.stats()
    assert (stats["concurrency_limited"], stats["max_in_flight"]) == (1, 2)
    assert fresh.control("GET", "/stats").json()["inFlightPeaks"] == {ALICE: 2}


# -- the hook itself, on a fake clock ----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(faults: Faults, client: str = "app", mailbox: str | None = "a@x") -> ApiProblem:
    with pytest.raises(ApiProblem) as raised:
        faults.admit(client, mailbox, "/api/v1/users/a@x/XrmContacts")
    return raised.value


def test_hook_retry_after_grace_violation_and_expiry() -> None:
    clock = Clock()
    faults = Faults(FaultConfig(throttle_rate=1.0, retry_after=10), clock=clock)
    assert (refused(faults).status, refused(faults).headers) == (
        429,
        {"Retry-After": "10"},
    )  # within the grace
    faults.configure(throttle_rate=0.0)
    clock.now += 0.1
    faults.release(faults.admit("app", "a@x", "/x"))  # still within the grace: served
    clock.now += 4.9
    problem = refused(faults)
    assert (problem.code, problem.headers["Retry-After"]) == ("TooManyRequests", "5")
    assert faults.stats()["retry_after_violations"] == 1
    clock.now += 5.0
    faults.release(faults.admit("app", "a@x", "/x"))  # the Retry-After has passed
    assert faults.stats()["retry_after_violations"] == 1


def test_hook_budget_window() -> None:
    clock = Clock()
    faults = Faults(FaultConfig(budget=3, budget_window=60), clock=clock)
    for _ in range(3):
        faults.release(faults.admit("app", "a@x", "/x"))
    clock.now += 20
    assert refused(faults, client="other").headers == {"Retry-After": "40"}
    faults.release(faults.admit("app", "b@x", "/x"))  # budgets are per mailbox
    faults.release(faults.admit("app", None, "/x"))  # and calls of no mailbox have none
    clock.now += 40
    faults.release(faults.admit("third", "a@x", "/x"))  # a new window
    assert faults.stats()["budget_exhausted"] == 1


def test_hook_concurrency_is_per_client_and_mailbox() -> None:
    faults = Faults(FaultConfig(max_concurrent=1))
    held = faults.admit("app", "a@x", "/x")
    assert refused(faults).status == 429
    other_client, other_mailbox = (
        faults.admit("app2", "a@x", "/x"),
        faults.admit("app", "b@x", "/x"),
    )
    assert faults.stats()["max_in_flight"] == 2
    faults.release(held)
    faults.release(faults.admit("app3", "a@x", "/x"))
    for ticket in (other_client, other_mailbox):
        faults.release(ticket)
    assert faults.in_flight_peaks() == {"a@x": 2, "b@x": 1}


def test_hook_never_drops_or_delays_the_inner_calls_of_a_batch() -> None:
    faults = Faults(FaultConfig(drop_rate=1.0))
    assert faults.admit("app", "a@x", "/x").drop is True
    assert faults.admit("app", "a@x", "/x", inner=True).drop is False
    assert faults.stats()["dropped"] == 1
    faults.configure(drop_rate=0.0, latency=30.0)  # a round trip would sleep 30 s
    assert faults.admit("app", "a@x", "/x", inner=True).drop is False  # at once


def test_configure_refuses_unknown_settings_and_reset_zeroes_counters() -> None:
    faults = Faults()
    with pytest.raises(TypeError):
        faults.configure(throttle=1.0)
    faults.release(faults.admit("app", "a@x", "/x"))
    faults.release(faults.admit("app", None, "/$batch"))
    faults.release(faults.admit("app", "a@x", "/x", inner=True))
    assert faults.stats() == {
        **dict.fromkeys(COUNTERS, 0),
        "requests": 3,
        "round_trips": 2,
        "mailbox_calls": 2,
        "max_in_flight": 1,
    }
    faults.reset_stats()
    assert faults.stats() == {**dict.fromkeys(COUNTERS, 0), "max_in_flight": 0}


@pytest.mark.parametrize(
    ("seconds", "header"), [(1.0, "1"), (2.5, "3"), (600.0, "600"), (0.25, "0.25"), (0.1, "0.1")]
)
def test_retry_after_header_values(seconds: float, header: str) -> None:
    assert retry_after_header(seconds) == header


# -- control API ----------------------------------------------------------------------------------


def test_control_api_reads_and_changes_faults(fresh: Api) -> None:
    assert fresh.control("GET", "/faults").json() == FaultConfig().as_dict()
    changed = fresh.control(
        "POST", "/faults", json={"throttle_rate": 1.0, "retry_after": 2, "paths": ["XrmDeals"]}
    )
    assert changed.json() == {
        **FaultConfig().as_dict(),
        "throttle_rate": 1.0,
        "retry_after": 2,
        "paths": ["XrmDeals"],
    }
    assert fresh.handle.faults.config.throttle_rate == 1.0
    assert error_of(fresh.control("POST", "/faults", json={"nope": 1})) == (400, "BadRequest")
    assert error_of(fresh.get(f"/users/{ALICE}/XrmDeals")) == (429, "TooManyRequests")
    stats = fresh.control("GET", "/stats").json()
    assert (stats["requests"], stats["throttled"]) == (1, 1)
    assert fresh.control("POST", "/stats/reset").json()["requests"] == 0
    assert fresh.handle.stats()["throttled"] == 0
