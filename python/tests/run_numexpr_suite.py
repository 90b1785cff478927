#!/usr/bin/env python3
"""Runs numexpr 2.14.2's own test suite (``tests/test_numexpr.py`` of the
installed numexpr package) with numjet in numexpr's place.

    python tests/run_numexpr_suite.py [extra pytest args]

The test file is copied from the installed numexpr (it is not part of this
repository) into a temporary folder and run there with
``tests/numexpr_shim`` first on PYTHONPATH, so that ``import numexpr`` (also
in the subprocesses some tests start) imports numjet. The tests listed in
EXCEPTIONS are deselected, each with the reason; everything else must pass.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "numexpr_shim")
EXPECTED_VERSION = "2.14.2"

# test id -> why it does not apply to numjet.
EXCEPTIONS = {
    # numexpr's internals: its virtual machine's program listing, its
    # expression-node classes, its VML backend.
    "test_numexpr.py::test_numexpr::test_reductions": "checks disassemble() listings of numexpr's virtual machine",
    "test_numexpr.py::test_numexpr::test_r0_reuse": "checks numexpr's register allocation via disassemble()",
    "test_numexpr.py::test_numexpr2::test_reductions": "checks disassemble() listings of numexpr's virtual machine",
    "test_numexpr.py::test_numexpr2::test_r0_reuse": "checks numexpr's register allocation via disassemble()",
    "test_numexpr.py::test_evaluate::test_disassemble": "numexpr's virtual-machine listing",
    "test_numexpr.py::test_evaluate::test_constant_deduplication": "numexpr's constant nodes (via disassemble)",
    "test_numexpr.py::test_evaluate::test_ex_uses_vml": "numexpr's VML backend (necompiler.getExprNames)",
    "test_numexpr.py::test_evaluate::test_nan_constant": "numexpr's ConstantNode de-duplication (NumExpr.constants)",
    "test_numexpr.py::test_evaluate::test_f32_constant": "numexpr's ConstantNode kinds (astKind) and programs built from a bare constant node",
    # numexpr's sanitiser: numjet never calls Python's eval, so it has none;
    # what the sanitiser refuses with ValueError, numjet's grammar refuses
    # with SyntaxError (or KeyError for an unknown name like __builtins__).
    "test_numexpr.py::test_evaluate::test_sanitize": "numjet has no sanitiser (it never calls eval): SyntaxError/KeyError, not ValueError",
    # Byte strings: numjet has no string dtype.
    **{f"test_numexpr.py::{cls}::test_str_contains_{t}": "byte strings and contains(): numjet has no string dtype"
       for cls in ("test_numexpr", "test_numexpr2")
       for t in ("basic0", "basic1", "basic2", "basic3", "basic4", "basic5", "listproduct",
                 "withemptystr1", "withemptystr2", "long_needle")},
    **{f"test_numexpr.py::test_strings::{t}": "byte strings: numjet has no string dtype"
       for t in ("test_null_chars", "test_compare_copy", "test_compare_array", "test_compare_variable",
                 "test_compare_constant", "test_add_string_array", "test_empty_string1", "test_empty_string2",
                 "test_add_numeric_array", "test_compare_prefix")},
    # numjet's language and NumPy 2's semantics, where numexpr differs.
    "test_numexpr.py::test_numexpr::test_axis": "NumPy accepts axis=-1 (numexpr refuses negative axes); numjet follows NumPy",
    "test_numexpr.py::test_numexpr2::test_axis": "NumPy accepts axis=-1 (numexpr refuses negative axes); numjet follows NumPy",
    "test_numexpr.py::test_evaluate::test_boolean_operator": "numjet's `and`/`or`/`not` are elementwise on bool arrays (numexpr raises TypeError)",
    "test_numexpr.py::test_evaluate::test_illegal_value": "numjet's grammar has no list literals: SyntaxError (numexpr: ValueError or TypeError)",
    "test_numexpr.py::test_int32_int64::test_small_int": "evaluate('2') is int64 as in NumPy 2 (numexpr: int32)",
    "test_numexpr.py::test_uint32_int64::test_small_uint32": "evaluate('a') of a uint32 is uint32 as in NumPy (numexpr computes uint32 in int64)",
}


def suite_file():
    spec = importlib.util.find_spec("numexpr")
    if spec is None or spec.origin is None:
        sys.exit("numexpr is not installed: pip install numexpr==" + EXPECTED_VERSION)
    path = os.path.join(os.path.dirname(spec.origin), "tests", "test_numexpr.py")
    if not os.path.exists(path):
        sys.exit(f"numexpr's test file is not at {path}")
    return path


# A pytest plugin (the temporary folder's conftest.py) that counts the
# complex cases of numexpr's parametrised expression test (`test_expressions`
# with dtype complex: 96 expressions x 3 scalar variants x 3 optimization
# levels), deselected ones included, and prints the count at the end.
COUNTER = """
COUNTS = {"passed": 0, "failed": 0, "skipped": 0, "deselected": 0}


def _complex_case(nodeid):
    return "test_expressions[" in nodeid and "-complex-" in nodeid


def pytest_deselected(items):
    COUNTS["deselected"] += sum(_complex_case(i.nodeid) for i in items)


def pytest_runtest_logreport(report):
    if _complex_case(report.nodeid) and (report.when == "call" or report.outcome != "passed"):
        COUNTS[report.outcome] += 1


def pytest_terminal_summary(terminalreporter):
    total = sum(COUNTS.values())
    terminalreporter.write_line(
        f"numexpr test_expressions, complex cases: {COUNTS['passed']} passed, {COUNTS['failed']} failed, "
        f"{COUNTS['skipped']} skipped, {COUNTS['deselected']} deselected (EXCEPTIONS) of {total}"
    )
"""


def main():
    import numexpr

    if numexpr.__version__ != EXPECTED_VERSION:
        print(f"warning: numexpr {numexpr.__version__} installed, the exceptions were made for {EXPECTED_VERSION}", file=sys.stderr)
    src = suite_file()
    with tempfile.TemporaryDirectory(prefix="numexpr-suite-") as tmp:
        shutil.copy(src, os.path.join(tmp, "test_numexpr.py"))
        with open(os.path.join(tmp, "conftest.py"), "w") as f:
            f.write(COUNTER)
        env = dict(os.environ)
        env["PYTHONPATH"] = SHIM + os.pathsep + env.get("PYTHONPATH", "")
        args = [sys.executable, "-m", "pytest", "test_numexpr.py", "-p", "no:cacheprovider", "-q", "-rfE", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
        for test in EXCEPTIONS:
            args += ["--deselect", test]
        args += sys.argv[1:]
        print("deselected (numexpr internals and semantics numjet does not share, and numjet's known gaps):")
        for test, why in EXCEPTIONS.items():
            print(f"  {test}: {why}")
        return subprocess.call(args, cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main())
