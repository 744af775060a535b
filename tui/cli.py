"""The `failback-prep` command. Keep imports here light: the wizard's start-up time starts here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.model import Settings
    from checks.texts import Texts

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """One line and exit 2 on bad usage; every --help ends with the exit codes and the secret
    variables, in the language asked for (its texts are read only when help is shown)."""

    lists_fixes = False  # the fix command's help also lists the fix ids

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, exit 2, as the contract asks
        self.exit(EXIT_USAGE, f"failback-prep: {message}; see `{self.prog} --help`\n")

    def format_help(self) -> str:
        from checks.texts import Texts
        from control.language import detect_language

        texts = Texts(detect_language(_asked_language()))
        out = super().format_help() + "\n" + texts.ui("help.epilog") + "\n"
        if self.lists_fixes:
            # The catalog is read only when this help is asked for: start-up stays light.
            from checks import catalog

            lines = [f"  {fix_id:<26} {texts.fix_title(fix_id)}" for fix_id in catalog.all_fixes()]
            out += "\n" + texts.ui("help.fix-ids") + "\n" + "\n".join(lines) + "\n"
        return out


def _asked_language() -> str | None:
    """--lang from the command line, read before the parser has (help is printed while parsing)."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def _globals(parser: argparse.ArgumentParser, default: object) -> None:
    """The options that mean the same everywhere. On a command they default to SUPPRESS, so one given
    after the command overrides the same one given before it, and one not given leaves it alone."""
    parser.add_argument("--config", metavar="FILE", default=default, help="the site's configuration file (TOML)")
    parser.add_argument("--lang", metavar="LANG", default=default,
                        help="en or zh-CN (default: the system locale)")
    parser.add_argument("--transcript-dir", metavar="DIR", default=default, help="where session transcripts are written")
    parser.add_argument("--no-mouse", action="store_true", default=default, help="do not capture the mouse")
    parser.add_argument("--basic", action="store_true", default=default,
                        help="ASCII borders and 16 colours, for plain terminals")
    parser.add_argument("--recheck", metavar="SECONDS", type=float, default=default,
                        help="re-run the open screen's checks this often (default 30; 0 turns it off)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="failback-prep", description="Get VMware VMs ready for Azure Site Recovery failback.")
    _globals(parser, None)
    parser.add_argument("--resume", metavar="ID", help="continue a saved session: latest or a session id")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    common = _Parser(add_help=False)
    _globals(common, argparse.SUPPRESS)

    check = sub.add_parser("check", parents=[common], help="run every check without the wizard")
    check.add_argument("--only", metavar="IDS", help="comma list of check ids or prefixes (mt.)")
    check.add_argument("--format", choices=("text", "json"), default="text")

    fix = sub.add_parser("fix", parents=[common], help="apply one fix-it, or with --all every one the checks call for")
    fix.lists_fixes = True
    fix.add_argument("fix_id", metavar="FIX_ID", nargs="?")
    fix.add_argument("--all", action="store_true", dest="all_fixes",
                     help="run the checks, then plan every fix-it that mends what they found, in a safe order, "
                          "and apply them after one confirmation (--param FIX_ID:NAME=VALUE)")
    fix.add_argument("--yes", action="store_true", help="do not ask before changing anything")
    fix.add_argument("--dry-run", action="store_true", help="show the exact change and send nothing")
    fix.add_argument("--param", action="append", default=[], metavar="K=V")
    fix.add_argument("--format", choices=("text", "json"), default="text")

    reprotect = sub.add_parser("reprotect", parents=[common],
                               help="start the reprotect of failed-over VMs and follow it until they replicate back")
    reprotect.add_argument("--vm", action="append", default=[], metavar="NAME", dest="vms",
                           help="a VM of [site] failback_vms to reprotect (repeat for several)")
    reprotect.add_argument("--yes", action="store_true", help="do not ask for the VMs' names before starting")
    reprotect.add_argument("--dry-run", action="store_true", help="show the exact requests and send nothing")
    reprotect.add_argument("--force", action="store_true", help="start even though a check fails (said and recorded)")
    reprotect.add_argument("--format", choices=("text", "json"), default="text")
    reprotect.add_argument("--resume", metavar="ID", dest="reprotect_resume",
                           help="follow the reprotects a stopped run started (latest or a session id); starts nothing")

    failback = sub.add_parser("failback", parents=[common],
                              help="the failback itself: fail the reprotected VMs over from Azure to on-premises")
    commit = sub.add_parser("commit", parents=[common], help="commit the failback of VMs back on-premises")
    protect = sub.add_parser("protect", parents=[common],
                             help="protect VMs home again to Azure once their failback is committed")
    for stage in (failback, commit, protect):
        stage.add_argument("--vm", action="append", default=[], metavar="NAME", dest="vms",
                           help="a VM of [site] failback_vms (repeat for several)")
        stage.add_argument("--yes", action="store_true", help="do not ask for the VMs' names before starting")
        stage.add_argument("--dry-run", action="store_true", help="show the exact requests and send nothing")
        stage.add_argument("--format", choices=("text", "json"), default="text")
        stage.add_argument("--resume", metavar="ID", dest="stage_resume",
                           help="follow the jobs a stopped run started (latest or a session id); starts nothing")
    failback.add_argument("--point", choices=("latest", "latest-app-consistent"), default="latest",
                          help="the recovery point: the latest, or the latest application-consistent one")

    probe = sub.add_parser("probe", parents=[common],
                           help="test the links that start in Azure from inside the VMs (Azure Run Command)")
    probe.add_argument("--yes", action="store_true", help="do not ask before running the probe in the VMs")
    probe.add_argument("--dry-run", action="store_true", help="show the exact script and the VMs, and send nothing")
    probe.add_argument("--format", choices=("text", "json"), default="text")
    probe.add_argument("--resume", metavar="ID", dest="probe_resume",
                       help="follow the Run Commands a stopped probe run started (latest or a session id)")

    demo = sub.add_parser("demo", parents=[common], help="the wizard against a built-in simulated site")
    demo.add_argument("--scenario", default="windows", choices=("windows", "linux"),
                      help="which master target the demo site uses")
    demo.add_argument("--site", default="classic", choices=("classic", "modernized"),
                      help="the vault the demo's Azure side is: classic, or modernized (a replication appliance)")
    demo.add_argument("--print-env", action="store_true",
                      help="run only the simulated site and print the lines that run `check` against it")

    creds = sub.add_parser("creds", parents=[common], help="secrets in the OS keyring")
    creds.add_argument("action", choices=("set", "delete", "status"))
    creds.add_argument("kind", choices=("vcenter", "azure"))

    transcript = sub.add_parser("transcript", parents=[common], help="saved session transcripts")
    transcript.add_argument("action", choices=("list", "show", "export"))
    transcript.add_argument("ident", nargs="?", metavar="ID")
    transcript.add_argument("--format", choices=("md", "html", "json"), default="md")
    transcript.add_argument("--output", "-o", metavar="FILE", help="write the export here instead of stdout")
    return parser


def _texts(args: argparse.Namespace) -> Texts:
    from checks.texts import Texts
    from control.language import detect_language

    return Texts(detect_language(args.lang))


def _settings(args: argparse.Namespace) -> Settings:
    from control import config

    return config.load(config.find_config(args.config))


def _run(args: argparse.Namespace) -> int:
    from tui import logs

    logs.setup()
    if args.command == "check":
        from tui import headless

        return headless.check_command(
            _settings(args), args.only, args.format, args.transcript_dir, _texts(args)
        )
    if args.command == "fix" and args.all_fixes:
        from tui.errors import UsageError

        if args.fix_id:
            raise UsageError(f"fix: give a FIX_ID or --all, not both (got {args.fix_id} and --all)")
        from tui import fix_all

        return fix_all.fix_all_command(_settings(args), args.param, args.yes, args.dry_run, args.format,
                                       args.transcript_dir, _texts(args))
    if args.command == "fix":
        from tui import headless
        from tui.errors import UsageError

        if not args.fix_id:
            raise UsageError("fix: name the fix-it (FIX_ID, see failback-prep fix --help) or pass --all")
        return headless.fix_command(
            _settings(args), args.fix_id, args.param, args.yes, args.dry_run, args.format,
            args.transcript_dir, _texts(args),
        )
    if args.command == "reprotect":
        from tui import operations

        return operations.operation_command(_settings(args), args.vms, args.yes, args.dry_run, args.force, args.format,
                                           args.reprotect_resume, args.transcript_dir, _texts(args))
    if args.command in ("failback", "commit", "protect"):
        from tui import operations

        return operations.operation_command(_settings(args), args.vms, args.yes, args.dry_run, False, args.format,
                                           args.stage_resume, args.transcript_dir, _texts(args),
                                           kind={"failback": "failover"}.get(args.command, args.command),
                                           point=getattr(args, "point", "latest"))
    if args.command == "probe":
        from tui import headless

        return headless.probe_command(_settings(args), args.yes, args.dry_run, args.format, args.probe_resume,
                                      args.transcript_dir, _texts(args))
    if args.command == "creds":
        from tui import creds_command

        return creds_command.run(args.action, args.kind, _settings(args))
    if args.command == "transcript":
        from tui import transcript_command

        return transcript_command.run(args.action, args.ident, args.format, args.output,
                                      args.transcript_dir, args.lang)
    if args.basic:
        # Read by Textual when it is imported: 16 colours from the terminal's own palette.
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "standard")
    from tui import launch

    if args.command == "demo":
        if args.print_env:
            from tui.demo import serve

            return serve(args.scenario, _texts(args), args.site)
        return launch.run_demo(_texts(args).lang, args.transcript_dir, args.scenario, site=args.site,
                            no_mouse=args.no_mouse, basic=args.basic, recheck=args.recheck)
    return launch.run_wizard(
        config=args.config, lang=_texts(args).lang, resume=args.resume,
        transcript_dir=args.transcript_dir, no_mouse=args.no_mouse, basic=args.basic,
        recheck=args.recheck,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Only what the wizard loads anyway: the checks themselves load in a worker after its first frame.
    from checks.model import UnknownName
    from checks.texts import normalize_language
    from control.config import ConfigError
    from control.credentials import CredentialError
    from tui.errors import UsageError
    from control.transcript import NotFound

    try:
        lang = args.lang
        if lang:
            try:
                # The commands this one starts (the demo's, a resumed wizard) speak it too; the engine
                # never reads it (it returns keys, worded by control/ in the language chosen here).
                os.environ["FAILBACK_PREP_LANG"] = normalize_language(lang)
            except ValueError as exc:
                raise UsageError(f"--lang: {exc}") from None
        return _run(args)
    except (ConfigError, UsageError, CredentialError, NotFound, UnknownName) as exc:
        said = getattr(exc, "said", None)  # a credential problem has its words in each language
        print(f"failback-prep: {_texts(args).say(said) if said else exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("failback-prep: interrupted; nothing more was sent", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); say nothing more, exit quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last line of defence: one sentence, details in the log
        from tui import logs

        logs.record_crash()
        print(
            f"failback-prep: stopped on an unexpected error ({type(exc).__name__}: {exc}); "
            f"details are in {logs.log_path()}",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())

