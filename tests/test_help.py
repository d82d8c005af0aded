"""Get-Help style help from one model: every command's page, every way to ask for it, the
generated Markdown and man pages, the forgiving command line and shell completion."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from ocm_tool.cli import cli, docgen
from ocm_tool.cli._help import Example, Manual
from ocm_tool.cli._page import PROJECT
from ocm_tool.errors import EXIT_MEANINGS, ExitStatus
from ocm_tool.settings.keys import KEYS, OTHER_VARIABLES

SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "PARAMETERS", "EXAMPLES", "NOTES", "RELATED LINKS")
PATHS = list(cli.paths())
COMMANDS = [path for path in PATHS if path]  # every registered command, subcommands included


def _ids(path: tuple[str, ...]) -> str:
    return " ".join(path) or "ocm-tool"


def run(*args: str, width: int = 100) -> Result:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": str(width)}, prog_name="ocm-tool")


def sections(text: str) -> dict[str, list[str]]:
    """The page's sections: each title (a line that starts at column 0) and its lines."""
    found: dict[str, list[str]] = {}
    title = ""
    for line in text.splitlines():
        if line and not line[0].isspace():
            title = line
            found[title] = []
        elif title:
            found[title].append(line)
    return found


def examples_of(lines: list[str]) -> list[tuple[str, str]]:
    """(command, explanation) of each ``EXAMPLE n`` block of an EXAMPLES section."""
    blocks: list[list[str]] = []
    for line in lines:
        if re.fullmatch(r" +-+ EXAMPLE \d+ -+", line):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
    pairs = []
    for block in blocks:
        paragraphs = [" ".join(p.split()) for p in "\n".join(block).split("\n\n") if p.strip()]
        pairs.append((paragraphs[0], " ".join(paragraphs[1:])))
    return pairs


# -- every command's page -----------------------------------------------------------------


def test_every_registered_command_is_checked() -> None:
    names = set(cli.list_commands(click.Context(cli)))
    assert {path[0] for path in COMMANDS} == names
    assert ("emulator", "serve") in COMMANDS and ("emulator", "seed") in COMMANDS
    assert len(COMMANDS) >= 28  # 11 exports, 9 purges, 3 sign-in, emulator + 2, help, completion


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_help_has_the_six_sections_in_order(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")

    assert result.exit_code == 0, result.output
    found = sections(result.output)
    titles = [t for t in found if t in SECTIONS]
    assert titles == list(SECTIONS)
    assert all(found[title] and any(line.strip() for line in found[title]) for title in titles)
    name = " ".join(("ocm-tool", *path))
    assert found["NAME"][0].strip().startswith(f"{name} - ")
    assert found["SYNOPSIS"][0].strip().startswith("ocm-tool [GLOBAL OPTIONS]")


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_help_has_two_explained_examples(path: tuple[str, ...]) -> None:
    found = sections(run(*path, "--help").output)
    examples = examples_of(found["EXAMPLES"])

    assert len(examples) >= 2
    for command, explanation in examples:
        assert "ocm-tool " in command
        assert len(explanation.split()) >= 4 and explanation.endswith("."), (command, explanation)


@pytest.mark.parametrize("path", COMMANDS, ids=_ids)
def test_parameters_show_type_default_required_and_variable(path: tuple[str, ...]) -> None:
    page = cli.page(path)
    text = "\n" + "\n".join(sections(run(*path, "--help", width=200).output)["PARAMETERS"])

    for parameter in page.parameters:
        assert parameter.text, f"{parameter.label} of {page.name} has no help text"
        entry = text.split(f"\n    {parameter.label}\n", 1)[1].split("\n\n", 1)[0]
        facts = " ".join(entry.split())
        facts = facts[facts.index("[type: ") :]
        assert facts.startswith(f"[type: {parameter.kind}; required: ")
        assert f"default: {parameter.default or 'none'}" in facts
        # A command's own options have no variable (only the documented ones exist).
        assert parameter.variable is None and "variable: " not in facts
    assert "<GlobalOptions>" in text and "--endpoint URL" in text
    assert not re.search(r"OCM_[A-Z_]*_(MAILBOX|YES|OUTPUT_DIR|DRY_RUN)\b", text)


def test_global_options_are_the_settings_table_with_its_variables() -> None:
    page = cli.page(("export-all-data",))
    variables = {option.names[-1]: option.variable for option in page.global_options}
    documented = {key.env for key in KEYS} | set(OTHER_VARIABLES)

    assert {key.option: key.env for key in KEYS}.items() <= variables.items()
    assert variables["--config"] == "OCM_CONFIG" and variables["--profile"] == "OCM_PROFILE"
    for name in ("--verbose", "--quiet", "--demo", "--demo-as"):
        assert variables[name] is None
    assert {v for v in variables.values() if v} <= documented
    assert "--version" not in variables and "--help" not in variables
    full = run("help", "export-all-data", "--full", width=200).output
    labels = {option.names[-1]: option.label for option in page.global_options}
    for key in KEYS:
        entry = full.split(f"\n    {labels[key.option]}\n", 1)[1].split("\n\n    -", 1)[0]
        assert f"Environment variable  {key.env}" in entry, key.name
        assert f"Default value         {key.default_text or 'none'}" in entry, key.name


@pytest.mark.parametrize("path", COMMANDS, ids=_ids)
def test_notes_say_permissions_what_is_never_touched_and_exit_statuses(
    path: tuple[str, ...],
) -> None:
    manual = cli.page(path).manual
    notes = "\n".join(sections(run(*path, "--help", width=200).output)["NOTES"])

    assert "Permissions: " in notes and "Never touches: " in notes
    statuses = re.findall(r"^\s+(\d+)  (.+)$", notes.split("Exit statuses:")[1], re.M)
    assert [(int(code), meaning) for code, meaning in statuses] == [
        (int(status), EXIT_MEANINGS[status]) for status in manual.exit_statuses
    ]


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_related_links_name_commands_and_pages_that_exist(path: tuple[str, ...]) -> None:
    page = cli.page(path)
    links = [line.strip() for line in sections(run(*path, "--help").output)["RELATED LINKS"]]

    assert links[0].startswith(f"Online version: {page.doc_path}")
    assert (PROJECT / page.doc_path).is_file()
    for related in page.manual.related:
        assert f"ocm-tool {related}" in links
        assert tuple(related.split()) in PATHS
    for doc in page.manual.pages:
        assert f"docs/{doc}" in links and (PROJECT / "docs" / doc).is_file()


def _example_files(words: list[str], folder: Path) -> None:
    """Make the files an example names (``mailboxes.txt``), so that options that want an
    existing file accept them."""
    for word in words:
        if re.fullmatch(r"[\w./-]+\.(txt|csv|json|pem)", word):
            (folder / word).parent.mkdir(parents=True, exist_ok=True)
            (folder / word).write_text("alice@contoso.com\n", encoding="utf-8")


def parse(words: list[str]) -> click.Context:
    """The context of the command ``ocm-tool WORDS`` would run, parsed as click parses it
    (options, values, files that must exist), without running anything."""
    ctx = cli.make_context("ocm-tool", words)
    command: click.Command = cli
    while isinstance(command, click.Group):
        args = [*ctx._protected_args, *ctx.args]  # what Group.invoke resolves the command from
        name, found, rest = command.resolve_command(ctx, args)
        assert name is not None and found is not None, words
        ctx, command = found.make_context(name, rest, parent=ctx), found
    return ctx


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_every_example_is_a_command_line_ocm_tool_accepts(
    path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for example in cli.page(path).manual.examples:
        words = shlex.split(example.command)
        words = words[words.index("ocm-tool") + 1 :]
        words = words[: next((n for n, w in enumerate(words) if w in ("|", ">", ">>")), None)]
        _example_files(words, tmp_path)
        leaf = parse(words)
        ran: list[str | None] = []
        while leaf.parent is not None:
            ran.insert(0, leaf.info_name)
            leaf = leaf.parent
        assert tuple(ran[: len(path)]) == path, example.command


# -- help COMMAND and its views -------------------------------------------------------------


@pytest.mark.parametrize("path", [(), ("export-all-data",), ("emulator", "serve")], ids=_ids)
def test_help_command_shows_the_same_page_as_help_option(path: tuple[str, ...]) -> None:
    assert run("help", *path).output == run(*path, "--help").output


def test_help_examples_shows_name_synopsis_and_examples_only() -> None:
    result = run("help", "purge-all-data", "--examples")

    assert result.exit_code == 0
    assert [t for t in sections(result.output) if t in SECTIONS] == [
        "NAME",
        "SYNOPSIS",
        "EXAMPLES",
    ]
    examples = examples_of(sections(result.output)["EXAMPLES"])
    assert examples[0] == (
        "ocm-tool purge-all-data --dry-run",
        "Shows the plan for your own mailbox, each folder and how many items it holds, and "
        "deletes nothing.",
    )


def test_help_full_shows_each_parameters_facts_and_the_global_options() -> None:
    result = run("help", "export-all-data", "--full")

    assert result.exit_code == 0
    parameters = "\n".join(sections(result.output)["PARAMETERS"])
    mailbox = parameters.split("    --mailbox ADDRESS\n", 1)[1].split("\n\n    -", 1)[0]
    assert re.search(r"Required\? +false", mailbox)
    assert re.search(r"Position\? +named", mailbox)
    assert re.search(r"Default value +the signed-in user's mailbox", mailbox)
    assert re.search(r"Environment variable +none", mailbox)  # only the documented ones
    endpoint = parameters.split("    --endpoint URL\n", 1)[1]
    assert re.search(r"Environment variable +OCM_ENDPOINT", endpoint)
    assert "--full' describes them" not in parameters


def test_help_online_prints_the_path_and_url_of_the_page() -> None:
    result = run("help", "export-all-data", "--online")

    assert result.exit_code == 0
    lines = dict(line.strip().split(": ", 1) for line in result.output.splitlines()[1:])
    page = PROJECT / "docs" / "commands" / "export-all-data.md"
    assert result.output.splitlines()[0] == "docs/commands/export-all-data.md"
    assert Path(lines["path"]) == page and page.is_file()
    assert lines["url"] == page.as_uri()
    assert lines["man"] == f"man -l {PROJECT / 'docs' / 'man' / 'ocm-tool-export-all-data.1'}"


def test_help_takes_one_view_at_a_time() -> None:
    result = run("help", "whoami", "--full", "--online")

    assert result.exit_code == ExitStatus.USAGE
    assert (
        result.output == "error: --full and --online do not go together; fix: choose one of them\n"
    )


def test_help_alone_lists_the_commands_grouped() -> None:
    result = run("help")

    assert result.exit_code == 0
    listing = sections(result.output)["COMMANDS"]
    headings = [line.strip() for line in listing if line.startswith("    ") and line[4] != " "]
    assert headings == [
        "Export operations",
        "Purge operations",
        "Sign-in",
        "Settings",
        "Data subject requests",
        "Requests",
        "Emulator",
        "Help",
    ]


# -- the command line: no command, typos, case, global options after the command -----------


def test_no_command_lists_the_operations_in_the_scripts_groups_and_exits_2() -> None:
    result = run()

    assert result.exit_code == ExitStatus.USAGE
    listing = "\n".join(sections(result.output)["COMMANDS"])
    exports = listing.split("    Export operations\n")[1].split("\n\n")[0]
    purges = listing.split("    Purge operations\n")[1].split("\n\n")[0]
    assert re.findall(r"^      (export-[\w-]+)", exports, re.M)[:2] == [
        "export-all-data",
        "export-contact-templates",
    ]
    assert len(re.findall(r"^      (export-[\w-]+)", exports, re.M)) == 11
    assert len(re.findall(r"^      (purge-[\w-]+)", purges, re.M)) == 9
    assert result.output.splitlines()[-1] == (
        "error: no command given; fix: name one of the commands above; "
        "'ocm-tool help COMMAND' describes one"
    )


def test_a_group_without_its_command_lists_its_commands_and_exits_2() -> None:
    result = run("emulator")

    assert result.exit_code == ExitStatus.USAGE
    assert re.findall(r"^      (\w+) ", result.output, re.M) == ["seed", "serve"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["export-all-dat"],
            "error: 'ocm-tool' has no command 'export-all-dat'; fix: did you mean "
            "'export-all-data'? 'ocm-tool help' lists the commands",
        ),
        (
            ["purge-contact-data", "alice@contoso.com"],
            "error: 'ocm-tool' has no command 'purge-contact-data'; fix: did you mean "
            "'purge-contacts-data'? 'ocm-tool help' lists the commands",
        ),
        (
            ["emulator", "serv"],
            "error: 'ocm-tool emulator' has no command 'serv'; fix: did you mean 'serve'? "
            "'ocm-tool help emulator' lists the commands",
        ),
        (
            ["help", "WHOAMl"],
            "error: 'ocm-tool' has no command 'WHOAMl'; fix: did you mean 'whoami'? "
            "'ocm-tool help' lists the commands",
        ),
        (
            ["export-all-data", "--endpoit", "https://x"],
            "error: no option '--endpoit'; fix: did you mean '--endpoint'? "
            "'ocm-tool help export-all-data' lists the options",
        ),
    ],
)
def test_a_mistyped_name_suggests_the_closest(args: list[str], line: str) -> None:
    result = run(*args, width=300)

    assert result.exit_code == ExitStatus.USAGE
    assert result.output == line + "\n"


def test_command_names_match_whatever_their_case() -> None:
    assert run("EXPORT-ALL-DATA", "--help").output == run("export-all-data", "--help").output
    assert run("Emulator", "Serve", "-h").output == run("emulator", "serve", "--help").output
    assert run("help", "Purge-All-Data").output == run("purge-all-data", "--help").output


def test_names_in_any_case_run_the_command(tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    result = run("EMULATOR", "Seed", "--out", str(out), "--users", "1", "--groups", "0")

    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_a_global_option_without_its_value_after_the_command_says_so() -> None:
    result = run("whoami", "--endpoint")

    assert result.exit_code == ExitStatus.USAGE
    assert result.output.startswith("error: option '--endpoint' needs a value; fix: ")


def test_a_commands_own_option_is_not_taken_for_the_global_one_of_that_name(
    tmp_path: Path,
) -> None:
    """``emulator serve --tenant FILE`` is the emulator's; the root's --tenant is a name."""
    missing = tmp_path / "missing.json"
    result = run("emulator", "serve", "--tenant", str(missing), width=300)

    assert result.exit_code == ExitStatus.USAGE
    assert "invalid value for '--tenant'" in result.output and "does not exist" in result.output


# -- the generated pages --------------------------------------------------------------------


def test_the_committed_pages_are_what_the_generator_writes() -> None:
    assert docgen.stale() == [], "run: python -m ocm_tool.cli.docgen"


def test_the_generator_writes_a_markdown_and_a_man_page_per_command(tmp_path: Path) -> None:
    changed = docgen.write(tmp_path)

    slugs = ["-".join(path) or "ocm-tool" for path in PATHS]
    assert sorted(changed) == sorted(
        [f"docs/commands/{s}.md" for s in slugs]
        + [f"docs/man/{'-'.join(('ocm-tool', *p))}.1" for p in PATHS]
    )
    assert docgen.stale(tmp_path) == []
    (tmp_path / "docs" / "commands" / "old-command.md").write_text("gone\n", encoding="utf-8")
    (tmp_path / "docs" / "man" / "ocm-tool-whoami.1").write_text("edited\n", encoding="utf-8")
    assert docgen.stale(tmp_path) == ["docs/commands/old-command.md", "docs/man/ocm-tool-whoami.1"]


def test_check_mode_exits_1_when_a_page_is_out_of_date() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "ocm_tool.cli.docgen", "--check"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        check=False,
    )
    assert (finished.returncode, finished.stdout) == (0, "")


def test_a_markdown_page_carries_every_section_and_the_exit_table() -> None:
    text = (PROJECT / "docs" / "commands" / "export-all-data.md").read_text(encoding="utf-8")

    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == [
        "SYNOPSIS",
        "DESCRIPTION",
        "PARAMETERS",
        "EXAMPLES",
        "NOTES",
        "RELATED LINKS",
    ]
    assert "OCM_EXPORT_ALL_DATA_MAILBOX" not in text.replace("\\_", "_")  # no such variable
    root = (PROJECT / "docs" / "commands" / "ocm-tool.md").read_text(encoding="utf-8")
    assert "| OCM_ENDPOINT |" in root.replace("\\_", "_")  # the global options' are
    assert (
        "| 130 | interrupted (Ctrl-C, SIGTERM or SIGHUP); only whole files were left behind |"
        in text
    )
    assert "```bash\nocm-tool --demo export-all-data --output-dir exports\n```" in text


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")
@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_man_renders_the_page(path: tuple[str, ...]) -> None:
    page = PROJECT / "docs" / "man" / f"{'-'.join(('ocm-tool', *path))}.1"
    finished = subprocess.run(
        ["man", "--warnings", "-l", str(page)],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"},
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""
    text = re.sub(r".\x08", "", finished.stdout)  # no overstrike, should a pager ask for it
    for title in (*SECTIONS[:4], "EXAMPLES", "NOTES", "RELATED LINKS"):
        assert re.search(rf"^{title}$", text, re.M), title
    assert cli.page(path).man_name in text
    assert cli.page(path).manual.examples[0].command in text


# -- shell completion -----------------------------------------------------------------------


def _complete(shell: str, words: str, cword: int) -> str:
    env = {"_OCM_TOOL_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    return CliRunner().invoke(cli, [], env=env, prog_name="ocm-tool").output


def test_completion_names_commands_and_options() -> None:
    assert "plain,export-all-data" in _complete("bash", "ocm-tool export-all", 1).splitlines()
    options = _complete("bash", "ocm-tool export-all-data --enc", 2).splitlines()
    assert options == ["plain,--encoding"]
    powershell = _complete("powershell", "ocm-tool purge-all", 1).split("\n")
    assert powershell[:3] == [
        "plain",
        "purge-all-data",
        "Purge all OCM data of a user or group mailbox.",
    ]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_prints_each_shells_script(shell: str) -> None:
    result = run("completion", shell)

    assert result.exit_code == 0
    assert "_OCM_TOOL_COMPLETE" in result.output
    if shell == "powershell":
        assert "Register-ArgumentCompleter -Native -CommandName ocm-tool" in result.output


def _shim(folder: Path) -> Path:
    """An ``ocm-tool`` on PATH that runs this interpreter's ocm_tool."""
    shim = folder / "ocm-tool"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m ocm_tool "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return shim


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_with_the_installed_script(tmp_path: Path) -> None:
    """The documented one-line install, then a Tab press as bash makes it."""
    _shim(tmp_path)
    script = (
        'eval "$(ocm-tool completion bash)"\n'
        "COMP_WORDS=(ocm-tool purge-all-data --dry); COMP_CWORD=2\n"
        "_ocm_tool_completion ocm-tool\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    finished = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"},
        check=False,
        timeout=60,
    )
    assert finished.stdout.split() == ["--dry-run"], finished.stderr


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) is not installed")
def test_powershell_completes_with_the_installed_script(tmp_path: Path) -> None:
    _shim(tmp_path)
    script = (
        "ocm-tool completion powershell | Out-String | Invoke-Expression; "
        "$line = 'ocm-tool purge-all-data --dry'; "
        "(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches"
        " | ForEach-Object { $_.CompletionText }"
    )
    finished = subprocess.run(
        ["pwsh", "-NoProfile", "-Command", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"},
        check=False,
        timeout=120,
    )
    assert finished.stdout.split() == ["--dry-run"], finished.stderr


# -- the model refuses half a page -----------------------------------------------------------


def test_a_manual_without_two_examples_is_refused() -> None:
    example = Example("ocm-tool whoami", "Shows who you are.")
    with pytest.raises(ValueError, match="at least two examples"):
        Manual("Do it.", ("What.",), (example,), permissions="None.", never_touches="All.")


def test_an_example_without_an_explanation_is_refused() -> None:
    with pytest.raises(ValueError, match="explain the example"):
        Example("ocm-tool whoami", "")


def test_a_command_cannot_be_registered_without_its_manual() -> None:
    with pytest.raises(TypeError, match="its manual"):
        cli.add_command(click.Command("extra"), section="Help")
