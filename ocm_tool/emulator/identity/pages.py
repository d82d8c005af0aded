"""The HTML pages of the emulator's identity provider, and their rendering.

Jinja templates, autoescaped by ``render_template_string`` (so they render inside a Flask
request): the browser sign-in form (``/{tenant}/oauth2/v2.0/authorize``), the device-code
page (``/devicelogin``), the self-posting ``form_post`` answer to a redirect URI, and a
one-line "done" page. They are plain HTML forms that tests and people can fill in; field
names are the protocol's (``username``, ``password``, ``user_code``, ``action``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import render_template_string

# -- pages (Jinja templates; autoescaped by render_template_string) ----------------------------

_PAGE_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ocm-tool emulator sign-in</title>
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}label{display:block;margin:.6em 0}
input{width:100%}.error{color:#a00}</style></head><body>"""

_SIGN_IN_PAGE = (
    _PAGE_HEAD
    + """
<h1>Sign in</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" id="sign-in">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<label>Username <input name="username" value="{{ username }}" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""
)

_DEVICE_LOGIN_PAGE = (
    _PAGE_HEAD
    + """
<h1>Enter code</h1>
<p>Enter the code shown on your device, then sign in.</p>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" id="device-login">
<label>Code <input name="user_code" value="{{ form.get('user_code', '') }}"></label>
<label>Username <input name="username" value="{{ form.get('username', '') }}"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit" name="action" value="approve">Sign in</button>
<button type="submit" name="action" value="decline">Cancel</button>
</form></body></html>"""
)

_FORM_POST_PAGE = (
    _PAGE_HEAD
    + """
<form method="post" action="{{ action }}" id="auth-response">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById("auth-response").submit()</script>
</body></html>"""
)

_DONE_PAGE = _PAGE_HEAD + """<p>{{ message }}</p></body></html>"""


def sign_in_page(fields: Mapping[str, str], *, error: str | None, username: str) -> str:
    """The sign-in form; ``fields`` (the authorization request) are posted back hidden."""
    return render_template_string(_SIGN_IN_PAGE, fields=fields, error=error, username=username)


def device_login_page(*, error: str | None, form: Mapping[str, str]) -> str:
    """The page where a device code is entered; ``form`` refills what was typed."""
    return render_template_string(_DEVICE_LOGIN_PAGE, error=error, form=form)


def form_post_page(action: str, fields: Mapping[str, str]) -> str:
    """A page that posts ``fields`` to ``action`` at once (``response_mode=form_post``)."""
    return render_template_string(_FORM_POST_PAGE, action=action, fields=fields)


def done_page(message: str) -> str:
    """A page with one message: the end of a sign-in, or why it cannot go on."""
    return render_template_string(_DONE_PAGE, message=message)
