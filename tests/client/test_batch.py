"""$batch: split into calls of 20, answers in request order, inner throttling retried."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from ocm_tool import errors
from ocm_tool.client import BatchRequest, BatchResponse, GraphClient
from ocm_tool.emulator.server import EmulatorHandle

from .conftest import Recorder, RetryLog
from .tenant import ALICE, CONTACTS


def contact_requests(client: GraphClient) -> list[BatchRequest]:
    """One GET per contact of alice, in reverse listing order."""
    ids = [c["Id"] for c in client.items(f"/users/{ALICE}/XrmContacts", {"$select": "Id"})]
    assert len(ids) == CONTACTS
    return [
        BatchRequest(id=str(n), method="GET", url=f"/users/{ALICE}/XrmContacts/{item_id}")
        for n, item_id in enumerate(reversed(ids))
    ]


def body_id(answer: BatchResponse) -> str:
    """The ``Id`` in an answer's body (which it must have)."""
    assert answer.body is not None, answer
    return answer.body["Id"]


def test_45_requests_take_3_calls_and_keep_their_order(client: GraphClient) -> None:
    requests = contact_requests(client)
    recorder = Recorder(client)
    answers = client.batch(requests)
    assert [len(json.loads(r.request.body)["requests"]) for r in recorder.responses] == [20, 20, 5]
    assert [a.id for a in answers] == [r.id for r in requests]
    assert [a.status for a in answers] == [200] * CONTACTS
    assert [body_id(a) for a in answers] == [r.url.rsplit("/", 1)[1] for r in requests]


def test_inner_throttling_is_retried_alone(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries)
    requests = contact_requests(client)
    emulator.set_faults(throttle_rate=0.1, retry_after=0.5, seed=21)
    answers = client.batch(requests)
    assert [a.status for a in answers] == [200] * CONTACTS
    assert [body_id(a) for a in answers] == [r.url.rsplit("/", 1)[1] for r in requests]
    stats = emulator.stats()
    assert stats["throttled"] > 0
    assert stats["retry_after_violations"] == 0
    assert retries.calls


def test_failed_inner_requests_are_returned_and_typed(client: GraphClient) -> None:
    requests = [
        *contact_requests(client)[:2],
        BatchRequest(id="gone", method="GET", url=f"/users/{ALICE}/XrmContacts/AAMkNoSuchItem"),
    ]
    answers = client.batch(requests)
    assert [a.status for a in answers] == [200, 200, 404]
    with pytest.raises(errors.ItemNotFoundError) as raised:
        answers[2].raise_for_status()
    assert raised.value.client_request_id == answers[2].client_request_id
    assert answers[0].raise_for_status() is answers[0]


def test_duplicate_ids_are_refused(client: GraphClient) -> None:
    twice = BatchRequest(id="1", method="GET", url=f"/users/{ALICE}/XrmContacts")
    with pytest.raises(ValueError, match="unique"):
        client.batch([twice, twice])
