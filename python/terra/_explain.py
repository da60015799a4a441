"""Co-execution and the explain report.

Under ``terra-run`` (``TERRA_COEXECUTE=1``, unless ``--imperative``) the
program is co-executed from ``import terra`` on: ops are recorded into the
TraceGraph, hot blocks compiled in the background, and from then on ops
that match a compiled block are validated and left to the runner thread.
``terra-run --explain`` (or ``TERRA_EXPLAIN=1``) prints at exit to standard
error:
the blocks with their op counts and source lines, each hot block compiled
(time, or why it stays imperative), and the sync points with their counts.
``TERRA_DUMP_IR=DIR`` (``terra-run --dump-ir DIR``) also writes the
TraceGraph and every block's MLIR at each pipeline stage there.
"""

import atexit
import os
import sys

import _terra


def _enabled(name):
    return os.environ.get(name, "") not in ("", "0")


def _start_from_environment():
    dump_dir = os.environ.get("TERRA_DUMP_IR") or None
    explain = _enabled("TERRA_EXPLAIN") or dump_dir is not None
    coexecute = _enabled("TERRA_COEXECUTE")
    if not explain and not coexecute:
        return
    if dump_dir is not None:
        os.makedirs(dump_dir, exist_ok=True)
    library_dir = os.path.dirname(os.path.abspath(__file__)) + os.sep
    _terra._trace_start(library_dir, coexecute)
    atexit.register(_report if explain else _finish, dump_dir)


def _finish(dump_dir):
    _terra._trace_close()


def _report(dump_dir):
    _terra._trace_stop()
    sys.stdout.flush()
    try:
        base_dir = os.path.join(os.getcwd(), "")
        sys.stderr.write(_terra._trace_report(True, dump_dir, base_dir))
    finally:
        _terra._trace_close()
    sys.stderr.flush()
