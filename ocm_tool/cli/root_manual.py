"""The help page of ``ocm-tool`` itself: what the tool is, its global options, how to start."""

from __future__ import annotations

from ocm_tool.cli._help import Example, Manual
from ocm_tool.errors import ExitStatus

ROOT_MANUAL = Manual(
    summary="Export and purge Outlook Customer Manager (OCM) data in Microsoft 365 mailboxes.",
    description=(
        "The operations keep the names of Microsoft's OCM-Script.ps1: the export operations "
        "write the OCM data of a user or group mailbox to CSV files, the purge operations empty "
        "its OCM folders. The data subject requests find, export or delete one person's "
        "records, as OCM's privacy portal did. Sign-in happens once per run and is cached "
        "between runs.",
        "OCM's own service is gone: ocm-tool talks to the API of docs/api.md at `--endpoint`. "
        "`--demo` runs any command against the built-in emulator with a sample tenant, to try "
        "it without one; the tenant keeps what earlier demo runs did until 'ocm-tool emulator "
        "reset-demo', and `--demo-as UPN` signs in as another of its accounts.",
        "Command names match whatever their case, and the global options below may come before "
        "or after the command. The settings among them come from, in rising precedence: the "
        "default, the config file's top level, its `[profiles.NAME]` table (`--profile`), the "
        "`OCM_*` variable named after each (`OCM_CA_BUNDLE` for `--ca-bundle`), and the "
        "option; 'ocm-tool config show' says which value came from where. A command's own "
        "options have no variable: nothing but the command line confirms a purge. Secrets "
        "come only from `OCM_PASSWORD`, `OCM_CLIENT_SECRET`, `OCM_CERTIFICATE_PASSWORD` or a "
        "prompt.",
        "For scripts, `--output json` prints one JSON document on stdout whatever happens (the "
        "result, or the error, and the exit code) and sends everything meant for people to "
        "stderr; `-v` logs every HTTP call, `-vv` their headers too, with secrets redacted.",
    ),
    examples=(
        Example(
            "ocm-tool --demo export-all-data",
            "Exports all OCM data of the sample tenant's first user from the built-in emulator "
            "into a run folder in the current directory.",
        ),
        Example(
            "ocm-tool export-all-data --endpoint https://ocm.example.com/api/v1 --mailbox "
            "sales@contoso.com",
            "Exports the shared OCM data of the group sales@contoso.com from the service at "
            "that endpoint, signing in with a device code the first time.",
        ),
        Example(
            "ocm-tool --output json whoami",
            "Prints the cached sign-in (account, tenant, expiry, permissions) as one JSON "
            "document, for a script to read.",
        ),
        Example(
            "ocm-tool help export-all-data --examples",
            "Shows the examples of export-all-data, as Get-Help -Examples would.",
        ),
    ),
    permissions=(
        "Each command's page says what it needs. Sign-in needs an account of the tenant, or an "
        "app registered in it for app-only sign-in."
    ),
    never_touches=(
        "Only the purge operations (their OCM folders) and 'subject delete' (the subject's "
        "records) change mailboxes; every other command reads, or touches nothing at all."
    ),
    exit_statuses=tuple(ExitStatus),
    notes=(
        "With no command, ocm-tool lists the commands and exits 2, as the script did. "
        "`ocm-tool completion SHELL` prints shell completion for bash, zsh, fish and "
        "PowerShell.",
    ),
    related=(
        "help",
        "completion",
        "config",
        "export-all-data",
        "purge-all-data",
        "subject",
        "login",
    ),
    pages=(
        "export.md",
        "purge.md",
        "subject-requests.md",
        "authentication.md",
        "configuration.md",
        "json-output.md",
        "emulator.md",
        "api.md",
    ),
)
