"""The stamp that skips Maven when the jars for the current poms are already there."""

from __future__ import annotations

from pathlib import Path

from banking.services.jars import MODULES, POMS, STAMP, classpath, jars_complete, pom_hash

ROOT = Path(__file__).resolve().parents[3]


def _services(tmp_path: Path) -> Path:
    services = tmp_path / "services"
    for name in POMS:
        (services / name).parent.mkdir(parents=True, exist_ok=True)
        (services / name).write_text(f"<project>{name}</project>")
    for lib in MODULES:
        (services / "lib" / lib).mkdir(parents=True)
        (services / "lib" / lib / f"{lib}-1.jar").write_bytes(b"jar")
    return services


def test_complete_only_with_a_matching_stamp_and_jars(tmp_path: Path) -> None:
    services = _services(tmp_path)
    assert not jars_complete(services)
    (services / "lib" / STAMP).write_text(pom_hash(services) + "\n")
    assert jars_complete(services)
    (services / "lib" / "kafka" / "kafka-1.jar").unlink()
    assert not jars_complete(services)


def test_a_changed_pom_invalidates_the_stamp(tmp_path: Path) -> None:
    services = _services(tmp_path)
    (services / "lib" / STAMP).write_text(pom_hash(services) + "\n")
    (services / "kafka" / "pom.xml").write_text("<project>newer</project>")
    assert not jars_complete(services)


def test_classpath_puts_conf_first_then_sorted_jars(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("b.jar", "a.jar", "notes.txt"):
        (lib / name).write_text("")
    assert classpath(lib, tmp_path / "conf") == ":".join(
        [str(tmp_path / "conf"), str(lib / "a.jar"), str(lib / "b.jar")]
    )


def test_the_stamp_covers_every_module_pom_of_the_checkout() -> None:
    parent = (ROOT / "services" / "pom.xml").read_text()
    for module in MODULES:
        assert f"<module>{module}</module>" in parent
        assert (ROOT / "services" / module / "pom.xml").is_file()
    assert set(POMS) == {"pom.xml", *(f"{m}/pom.xml" for m in MODULES)}


def test_a_missing_module_folder_makes_the_jars_incomplete(tmp_path: Path) -> None:
    services = _services(tmp_path)
    (services / "lib" / STAMP).write_text(pom_hash(services) + "\n")
    (services / "lib" / "cassandra" / "cassandra-1.jar").unlink()
    assert not jars_complete(services)
