"""The ``sim`` command line: a thin layer over the library (parse, call, print).

Exit status: 0 success, 2 bad input (one line on stderr naming the file and field, nothing
written), 1 internal failure. The commands live by what they do: ``simulate`` (run, plot,
compare), ``fit`` (check, calibrate, ablate), ``explore`` (sensitivity, discover) and ``tools``
(validate, dashboard, scenarios, docs); importing them registers them on ``app`` in that order.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback

import typer

from sim.cli import simulate, fit, explore, tools  # noqa: F401  # isort: skip (registers, in order)
from sim.cli.options import app, invoked
from sim.errors import InputError, InterruptionError

DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def main(argv: list[str] | None = None) -> int:
    """Entry point: map errors to exit statuses and one-line messages."""
    try:  # newer typer vendors click and raises its own exceptions
        from typer import _click as click
    except ImportError:
        import click

    invoked[:] = argv if argv is not None else sys.argv[1:]
    try:
        status = app(args=argv, prog_name="sim", standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except click.exceptions.NoArgsIsHelpError as exc:
        print(exc.format_message())
        return 2
    except click.exceptions.UsageError as exc:
        where = f"sim {exc.ctx.command.name}: " if exc.ctx and exc.ctx.command.name else "sim: "
        print(f"error: {where}{exc.format_message()}", file=sys.stderr)
        return 2
    except InterruptionError as exc:
        print(f"{exc}; finish with: sim run --resume {exc.folder}", file=sys.stderr)
        return 130
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            return _internal(exc)
        print(f"error: cannot write {exc.filename or 'the results'}: {exc.strerror}; free some "
              "space, then finish an experiment with sim run --resume FOLDER", file=sys.stderr)
        return 1
    except Exception as exc:  # internal failure: exit 1, traceback only on request
        return _internal(exc)
    return status if isinstance(status, int) else 0


def _internal(exc: Exception) -> int:
    print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    if os.environ.get("SIM_DEBUG"):
        traceback.print_exception(exc)
    return 1
