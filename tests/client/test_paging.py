"""Paging: nextLink followed verbatim, filters on every page, counts, empty lists."""

from __future__ import annotations

from ocm_tool.client import GraphClient

from .conftest import Recorder
from .tenant import ACTIVITIES, ALICE, BOB, CONTACTS, POSTS


def test_filtered_list_follows_next_links_verbatim(client: GraphClient) -> None:
    recorder = Recorder(client)
    params = {
        "$filter": "ActionVerb eq 'Post'",
        "$select": "ActionVerb,Text,LastModifiedDateTime",
        "$orderby": "LastModifiedDateTime asc",
        "$top": 3,
        "$count": True,
    }
    pages = list(client.pages(f"{client.mailbox_path(ALICE)}/XrmActivityStreams", params))

    items = [item for page in pages for item in page.items]
    assert len(items) == POSTS
    assert len({item["Id"] for item in items}) == POSTS
    assert all(item["ActionVerb"] == "Post" for item in items)
    assert all(len(page.items) <= 3 for page in pages)
    assert pages[0].count == POSTS
    stamps = [item["LastModifiedDateTime"] for item in items]
    assert stamps == sorted(stamps)
    # One request per page; every request after the first is the previous page's nextLink.
    bodies = [r.json() for r in recorder.responses]
    assert len(recorder.responses) == len(pages)
    assert [r.request.url for r in recorder.responses[1:]] == [
        body["@odata.nextLink"] for body in bodies[:-1]
    ]
    assert "@odata.nextLink" not in bodies[-1]


def test_items_walks_every_page(client: GraphClient) -> None:
    items = list(client.items(f"/users/{ALICE}/XrmActivityStreams", {"$top": 7}))
    assert len(items) == ACTIVITIES
    assert len({item["Id"] for item in items}) == ACTIVITIES


def test_count_without_top(client: GraphClient) -> None:
    first = next(client.pages(f"/users/{ALICE}/XrmContacts", {"$count": "true", "$top": 5}))
    assert first.count == CONTACTS


def test_empty_mailbox_lists_nothing(client: GraphClient) -> None:
    pages = list(client.pages(f"/users/{BOB}/XrmContacts", {"$count": True}))
    assert [item for page in pages for item in page.items] == []
    assert pages[0].count == 0


def test_filter_matching_nothing(client: GraphClient) -> None:
    params = {"$filter": "ActionVerb eq 'Meeting'"}
    assert list(client.items(f"/users/{ALICE}/XrmActivityStreams", params)) == []


def test_get_one_item_by_id(client: GraphClient) -> None:
    first = next(client.items(f"/users/{ALICE}/XrmContacts", {"$top": 1}))
    item = client.get(f"/users/{ALICE}/XrmContacts/{first['Id']}")
    assert item["Id"] == first["Id"]
    assert item["DisplayName"] == first["DisplayName"]
