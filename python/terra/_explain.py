"""The explain report: ``terra-run --explain`` (or ``TERRA_EXPLAIN=1``).

The run is traced from ``import terra`` on: every op and every fetch is
recorded into the TraceGraph, and at exit the report goes to standard error:
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
    if not _enabled("TERRA_EXPLAIN") and dump_dir is None:
        return
    if dump_dir is not None:
        os.makedirs(dump_dir, exist_ok=True)
    library_dir = os.path.dirname(os.path.abspath(__file__)) + os.sep
    _terra._trace_start(library_dir)
    atexit.register(_report, dump_dir)


def _report(dump_dir):
    _terra._trace_stop()
    sys.stdout.flush()
    try:
        base_dir = os.path.join(os.getcwd(), "")
        sys.stderr.write(_terra._trace_report(True, dump_dir, base_dir))
    finally:
        _terra._trace_close()
    sys.stderr.flush()
