"""A stand-in for a person's browser in the browser-flow tests.

Run as ``python fake_browser.py URL`` (the tests point ``BROWSER`` at a script that starts it
in the background, as a real browser would: msal waits for the redirect, not for the
browser). It fetches the sign-in page with requests (verify = ``FAKE_BROWSER_CA``), fills
the sign-in form with ``FAKE_BROWSER_USERNAME`` / ``FAKE_BROWSER_PASSWORD`` if one is shown,
and submits the self-posting answer form to msal's listener on localhost, as the page's
script would. It prints each step, for the test's log.
"""

from __future__ import annotations

import os
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    """The forms of a page: ``[(action, method, {name: value})]`` (hidden and text inputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str | None, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append((attributes.get("action"), attributes.get("method") or "get", {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1][2][str(attributes["name"])] = attributes.get("value") or ""


def _forms(html: str) -> list[tuple[str | None, str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def browse(url: str) -> None:
    session = requests.Session()
    verify = os.environ["FAKE_BROWSER_CA"]
    page = session.get(url, verify=verify, timeout=30)
    print("GET", page.status_code, page.url, flush=True)
    for _ in range(3):  # sign-in form, then the answer form
        forms = _forms(page.text)
        if not forms:
            return
        action, _method, fields = forms[0]
        target = urljoin(page.url, action) if action else page.url
        if "password" in fields:
            fields["username"] = os.environ.get("FAKE_BROWSER_USERNAME", fields.get("username", ""))
            fields["password"] = os.environ.get("FAKE_BROWSER_PASSWORD", "")
        page = session.post(
            target,
            data=fields,
            verify=verify if target.startswith("https:") else True,
            timeout=30,
        )
        print("POST", page.status_code, target, flush=True)
        if target.startswith("http://localhost"):
            return


if __name__ == "__main__":
    browse(sys.argv[1])
