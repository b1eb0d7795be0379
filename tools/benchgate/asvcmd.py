"""Running git and asv for the gate and the finder; every failure here is infrastructure."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PATH_KEYS = ("repo", "benchmark_dir", "env_dir", "results_dir", "html_dir")


class InfraError(RuntimeError):
    """asv missing, unknown commit, unreadable config, environment that does not build."""


@dataclass(frozen=True)
class AsvProject:
    """An asv project rooted at ``root`` (where asv.conf.json and the git checkout live)."""

    root: Path
    config: Path

    @classmethod
    def at(cls, root: Path, config: Path | None = None) -> AsvProject:
        """The project; InfraError when asv is not installed or the config is missing."""
        if not asv_available():
            raise InfraError("asv is not installed (pip install asv)")
        root = Path(root).resolve()
        conf = Path(config).resolve() if config else root / "asv.conf.json"
        if not conf.exists():
            raise InfraError(f"asv config not found: {conf}")
        return cls(root, conf)

    def conf(self) -> dict:
        try:
            from asv import util
        except ImportError:
            raise InfraError("asv is not installed (pip install asv)") from None
        try:
            return util.load_json(str(self.config), js_comments=True)
        except Exception as exc:  # asv raises its own UserError subclasses
            raise InfraError(f"cannot read {self.config}: {exc}") from None

    def path(self, key: str, default: str) -> Path:
        """A path from the config, resolved like asv does (relative to the config's folder)."""
        return (self.config.parent / self.conf().get(key, default)).resolve()

    def derived_config(self, results_dir: Path, name: str, html_dir: Path | None = None) -> Path:
        """A copy of the config with absolute paths and another results_dir (and html_dir).

        asv chdirs to the folder of the config it is given, so every relative path is made
        absolute; the copy lives under the (git-ignored) env dir.
        """
        conf = self.conf()
        base = self.config.parent
        for key in _PATH_KEYS:
            if key in conf:
                conf[key] = str((base / conf[key]).resolve())
        conf.setdefault("repo", str(base))
        conf["results_dir"] = str(Path(results_dir).resolve())
        if html_dir is not None:
            conf["html_dir"] = str(Path(html_dir).resolve())
        env_dir = Path(conf.get("env_dir", str(base / ".asv" / "env")))
        out = env_dir.parent / f"{name}.conf.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(conf, indent=2), encoding="utf-8")
        return out

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise InfraError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.returncode}")
        return proc.stdout.strip()

    def resolve(self, rev: str) -> str:
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        except InfraError:
            raise InfraError(f"unknown commit: {rev}") from None

    def first_parent_range(self, good: str, bad: str) -> list[str]:
        """Commits after ``good`` up to and including ``bad``, oldest first (asv's linear view)."""
        out = self.git("rev-list", "--first-parent", "--reverse", f"{good}..{bad}")
        return out.split() if out else []

    def subject(self, commit: str) -> str:
        return self.git("log", "-1", "--format=%s", commit)

    def asv(self, args: list[str], log: Path | None = None, timeout: float | None = None) -> int:
        """Run asv with this interpreter; output goes to ``log`` (appended) or the console."""
        cmd = [sys.executable, "-m", "asv", *args]
        if log is None:
            return subprocess.run(cmd, cwd=self.root, check=False, timeout=timeout).returncode
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"$ asv {' '.join(args)}\n")
            fh.flush()
            proc = subprocess.run(
                cmd,
                cwd=self.root,
                stdout=fh,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=timeout,
            )
        return proc.returncode

    def ensure_machine(self, config: Path, machine: str, log: Path | None = None) -> None:
        """Register ``machine`` non-interactively unless asv knows it already (asv refuses to
        run an unknown machine; re-registering would overwrite a reference machine's data)."""
        from asv.machine import MachineCollection

        try:
            known = json.loads(
                Path(MachineCollection.get_machine_file_path()).read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            known = {}
        if isinstance(known, dict) and machine in known:
            return
        rc = self.asv(["machine", "--yes", "--machine", machine, "--config", str(config)], log)
        if rc != 0:
            raise InfraError(f"asv machine --machine {machine} failed (exit {rc})")


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace | int:
    """The parsed command line, or the exit status to return at once: 0 after ``--help``, 3
    (the tools' usage/infrastructure status) after a bad command line."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        return 3 if exc.code else 0


def asv_available() -> bool:
    try:
        import asv  # noqa: F401
    except ImportError:
        return False
    return True


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
