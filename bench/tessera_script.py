"""Running a Tessera program from a benchmark: written to a temporary .tsr file and run with
`tessera run`, its stdout returned; a failed run stops the benchmark with its output."""
import os
import subprocess
import tempfile


def run_tessera(binary: str, code: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
        f.write(code)
    try:
        out = subprocess.run([binary, "run", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise SystemExit(f"tessera failed:\n{code}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}")
    return out.stdout
