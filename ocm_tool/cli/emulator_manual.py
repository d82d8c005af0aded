"""The help pages of ``ocm-tool emulator`` and its commands.

They are written here, not next to the commands in ``ocm_tool.emulator.cli``: the emulator
imports nothing of the client side, this package included. Its click commands keep what click
needs (the options and their help texts); the root group joins the two when it loads the group.
"""

from __future__ import annotations

from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.errors import ExitStatus

_STATUSES = (ExitStatus.OK, ExitStatus.USAGE)
_PAGES = ("emulator.md", "emulator-api.md", "tenant-fixture.md")

SERVE_MANUAL = Manual(
    summary="Serve the OCM API and its sign-in endpoints over HTTPS until stopped.",
    description=(
        "Serves the API of docs/api.md, the sign-in authority msal talks to (OIDC discovery, "
        "token, device code and authorize endpoints) and a control API for tests, over HTTPS "
        "with a certificate authority made at start. It prints four lines, then serves until "
        "Ctrl-C or SIGTERM and exits 0:",
        Items(
            (
                ("`api:`", "the API base, for `--endpoint`"),
                (
                    "`authority:`",
                    "the authority with the tenant; `--authority` takes the part before the tenant",
                ),
                ("`tenant:`", "the tenant, for `--tenant`"),
                ("`ca-bundle:`", "the CA certificates to trust, for `--ca-bundle`"),
            )
        ),
        "With `--tenant`, the tenant file is loaded (into `--db` when given). Without it, an "
        "existing `--db` store is served with the data it kept, deletions included, and "
        "otherwise the sample tenant of 'ocm-tool emulator seed' with its default options.",
        "The fault options inject throttling, failures, latency and Exchange's limits into the "
        "API calls, as the service would under load.",
    ),
    examples=(
        Example(
            "ocm-tool emulator serve",
            "Serves the sample tenant on a free loopback port and prints where to reach it.",
        ),
        Example(
            "ocm-tool emulator serve --tenant tenant.json --db tenant.sqlite3 --port 8443",
            "Loads tenant.json into the store tenant.sqlite3 and serves it on port 8443.",
        ),
        Example(
            "ocm-tool emulator serve --db tenant.sqlite3",
            "Serves again the data tenant.sqlite3 kept, with what earlier purges deleted gone.",
        ),
        Example(
            "ocm-tool emulator serve --throttle-rate 0.2 --retry-after 2 --max-concurrent 4",
            "Answers a fifth of the API calls 429 with Retry-After: 2 and refuses a fifth call "
            "in flight per mailbox, to watch a client's retries at work.",
        ),
        Example(
            "ocm-tool emulator serve --auto-approve-device-codes alice@contoso.com",
            "Signs Alice in for every device code, as if she had entered it in a browser.",
        ),
        Example(
            "ocm-tool emulator serve --shell powershell",
            "Prints the lines that point ocm-tool at the emulator as PowerShell assignments "
            "($env:OCM_ENDPOINT = ...), to paste into a PowerShell window.",
        ),
    ),
    permissions=(
        "None. It listens on 127.0.0.1 unless `--host` says otherwise; the control API answers "
        "loopback callers only."
    ),
    never_touches=(
        "Any real tenant or mailbox. The TLS files live in a temporary folder (next to `--db` "
        "when given) removed when the server stops; `--db` is the only file it keeps."
    ),
    exit_statuses=_STATUSES,
    notes=(
        "After the four lines it prints the `OCM_ENDPOINT`, `OCM_AUTHORITY` and "
        "`OCM_CA_BUNDLE` lines to paste into another shell (`--shell` says which; the tenant "
        "is the authority's last segment), then sign in as a user of the tenant: "
        "`OCM_PASSWORD=Contoso-Passw0rd! ocm-tool --username alice@contoso.com "
        "export-all-data`. With `--output json` the values come as one JSON document instead. "
        "docs/emulator.md lists the users, passwords and apps of the sample tenant.",
    ),
    related=("emulator seed",),
    pages=_PAGES,
)

SEED_MANUAL = Manual(
    summary="Write a deterministic tenant file for 'ocm-tool emulator serve --tenant'.",
    description=(
        "Writes the tenant file `--out`: users, groups, apps and the OCM data of every mailbox. "
        "The same options write the same bytes. Counts are totals for the tenant: with groups, "
        "half of each (rounded down) is shared and lives in the group mailboxes, the rest is "
        "private and split over the regular users' mailboxes.",
        "The file is streamed record by record, so large tenants need little memory, and "
        "written under a temporary name first: `--out` is always a whole file. "
        "docs/tenant-fixture.md describes its format.",
    ),
    examples=(
        Example(
            "ocm-tool emulator seed --out tenant.json",
            "Writes the sample tenant, the one `--demo` and serve use by default.",
        ),
        Example(
            "ocm-tool emulator seed --out big.json --seed 7 --users 50 --groups 5 "
            "--contacts 100000 --activities 1000000",
            "Writes a large tenant for load tests; seed 7 makes it the same file every time.",
        ),
        Example(
            "ocm-tool emulator seed --out one.json --users 1 --groups 0",
            "Writes a tenant whose OCM data all lives in one mailbox.",
        ),
    ),
    permissions="None.",
    never_touches="Anything but `--out`, which is replaced when it exists.",
    exit_statuses=_STATUSES,
    related=("emulator serve",),
    pages=_PAGES,
)

RESET_DEMO_MANUAL = Manual(
    summary="Forget what --demo runs did: the next --demo starts from the sample tenant again.",
    description=(
        "`--demo` keeps its tenant in a SQLite store in the user's data directory "
        "(`~/.local/share/ocm-tool/demo/tenant.sqlite3` on Linux), so that what one demo run "
        "does shows in the next: a purge, then an export, finds the purged folders empty. "
        "reset-demo removes that store and SQLite's files beside it; the next `--demo` run "
        "loads the sample tenant of 'ocm-tool emulator seed' afresh.",
        "It says which store it removed, or that there was none (which is not an error). "
        "With `--output json` it prints one document instead: the store's `path` and the "
        "files `removed`.",
    ),
    examples=(
        Example(
            "ocm-tool emulator reset-demo",
            "Removes the demo tenant kept between runs, so that the next --demo run starts "
            "from the sample tenant with nothing purged.",
        ),
        Example(
            "ocm-tool emulator reset-demo --output json",
            "Does the same and prints one JSON document with the store's path and the files "
            "removed, for a script to read.",
        ),
    ),
    permissions="None: it removes a file of the user's own data directory.",
    never_touches=(
        "Any tenant, mailbox, token cache or config file: only the demo's store and its "
        "SQLite side files."
    ),
    exit_statuses=_STATUSES,
    related=("emulator serve", "emulator seed"),
    pages=("emulator.md",),
)

EMULATOR_MANUAL = Manual(
    summary="The built-in emulator of the OCM service: serve it, seed a tenant file, reset the "
    "demo.",
    description=(
        "The emulator is a real HTTPS server over SQLite with an OAuth authority that msal "
        "signs in to, serving the API of docs/api.md, so ocm-tool and any other client run "
        "offline. `--demo` starts one in-process for a single command; 'emulator serve' runs "
        "one until stopped, for several commands or other tools; 'emulator seed' writes the "
        "tenant files it loads; 'emulator reset-demo' forgets what `--demo` runs did.",
    ),
    examples=(
        Example(
            "ocm-tool emulator serve",
            "Serves the sample tenant until Ctrl-C and prints how to reach it.",
        ),
        Example(
            "ocm-tool emulator seed --out tenant.json",
            "Writes the sample tenant to tenant.json, to edit or to serve with --tenant.",
        ),
    ),
    permissions=SERVE_MANUAL.permissions,
    never_touches="Any real tenant or mailbox: the emulator holds only the data it is given.",
    exit_statuses=_STATUSES,
    related=("emulator serve", "emulator seed", "emulator reset-demo"),
    pages=_PAGES,
    subcommands={"serve": SERVE_MANUAL, "seed": SEED_MANUAL, "reset-demo": RESET_DEMO_MANUAL},
)
