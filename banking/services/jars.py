"""Maven-resolved jars for each service, fetched once per pom version.

``mvn dependency:copy-dependencies`` on services/pom.xml fills services/lib/<service>/. A stamp
file keyed on the hash of the poms skips resolution when the jars are already complete; a lock
keeps two concurrent ``up`` commands from resolving into the same folder at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

from banking.errors import ServiceUnavailable

# One module (and one services/lib/<module>/ classpath) per kind of JVM.
MODULES = ("gremlin", "kafka", "janusgraph", "cassandra")
POMS = ("pom.xml", *(f"{module}/pom.xml" for module in MODULES))
STAMP = ".resolved"


def pom_hash(services_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in POMS:
        digest.update(name.encode() + b"\0" + (services_dir / name).read_bytes() + b"\0")
    return digest.hexdigest()


def jars_complete(services_dir: Path) -> bool:
    """True when the stamp matches the poms and every service folder holds jars."""
    lib = services_dir / "lib"
    stamp = lib / STAMP
    if not stamp.is_file() or stamp.read_text().strip() != pom_hash(services_dir):
        return False
    return all(any((lib / name).glob("*.jar")) for name in MODULES)


def ensure_jars(services_dir: Path, log=print) -> bool:
    """Resolve the jars unless complete; returns True when Maven ran."""
    lib = services_dir / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    with open(lib / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if jars_complete(services_dir):
            return False
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ServiceUnavailable(
                "Maven (mvn) is not on PATH: install it to resolve the service jars"
            )
        for name in MODULES:
            shutil.rmtree(lib / name, ignore_errors=True)
        (lib / STAMP).unlink(missing_ok=True)
        log("services: resolving jars with Maven (first run only)...")
        cmd = [mvn, "-q", "-B", "-f", str(services_dir / "pom.xml"), "dependency:copy-dependencies"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            errors = [ln for ln in (done.stdout + done.stderr).splitlines() if "ERROR" in ln]
            first = errors[0] if errors else (done.stdout + done.stderr).strip()[-500:]
            raise ServiceUnavailable(f"Maven could not resolve the service jars: {first}")
        (lib / STAMP).write_text(pom_hash(services_dir) + "\n")
        return True


def classpath(lib_dir: Path, conf_dir: Path | None = None) -> str:
    """The service's classpath: its config folder first (for logging files), then its jars."""
    jars = sorted(str(p) for p in lib_dir.glob("*.jar"))
    return ":".join(([str(conf_dir)] if conf_dir else []) + jars)
