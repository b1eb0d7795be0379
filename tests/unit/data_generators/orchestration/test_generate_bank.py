from pathlib import Path

import pytest

from banking.data_generators.core import PersonGenerator
from banking.data_generators.orchestration import entity_counts, generate_bank, typology_counts
from banking.dataset import ENTITIES, DatasetReader
from banking.dataset.writers import DatasetWriter
from banking.errors import UsageError
from banking.models import Typology

SMALL = {
    "persons": 120,
    "companies": 25,
    "accounts": 200,
    "transactions": 1_500,
    "communications": 150,
}


def _records(reader, entity):
    return list(reader.iter_records(entity))


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    out = tmp_path_factory.mktemp("bank") / "ds"
    summary = generate_bank(0.001, 5, out_dir=out, counts=SMALL, batch_size=64)
    return summary, DatasetReader(out)


def test_manifest_and_summary_agree_with_files(bank):
    summary, reader = bank
    m = reader.manifest
    assert m["seed"] == 5 and m["scale"] == 0.001 and m["format"] == "jsonl"
    assert m["reference_date"] == "2025-01-01" and m["package_version"]
    for entity in ENTITIES:
        assert len(_records(reader, entity)) == m["counts"][entity] == summary.counts[entity]
    assert m["counts"]["persons"] >= SMALL["persons"]
    assert summary.total == sum(m["counts"].values()) and summary.entities_per_second > 0
    assert "transactions" in summary.render()


def test_every_reference_exists(bank):
    _, reader = bank
    persons = {r["person_id"] for r in _records(reader, "persons")}
    companies = {r["company_id"] for r in _records(reader, "companies")}
    accounts = {r["account_id"] for r in _records(reader, "accounts")}
    for a in _records(reader, "accounts"):
        assert a["owner_id"] in (persons if a["owner_type"] == "person" else companies)
    currency_of = {a["account_id"]: a["currency"] for a in _records(reader, "accounts")}
    for t in _records(reader, "transactions"):
        assert t["from_account"] in accounts and t["to_account"] in accounts
        assert t["from_account"] != t["to_account"]
        if t["pattern_id"] is None and not t["is_cross_border"]:
            assert t["currency"] == currency_of[t["from_account"]]
    for c in _records(reader, "communications"):
        assert c["from_person"] in persons and c["to_person"] in persons
    for link in _records(reader, "ownership_links"):
        assert link["company_id"] in companies
        assert link["owner_id"] in (persons if link["owner_type"] == "person" else companies)


def test_background_shareholdings_sum_to_at_most_100(bank):
    _, reader = bank
    totals = {}
    for link in _records(reader, "ownership_links"):
        if link["pattern_id"] is None:
            totals[link["company_id"]] = totals.get(link["company_id"], 0) + link["pct"]
    assert totals and max(totals.values()) <= 100.0 + 1e-9


def test_all_records_validate(bank):
    _, reader = bank
    for entity in ENTITIES:
        for batch in reader.iter_models(entity, 500):
            assert batch


def test_person_file_holds_the_predicted_ids_plus_pattern_entities(bank):
    _, reader = bank
    in_file = [r["person_id"] for r in _records(reader, "persons")]
    predicted = PersonGenerator(5).generate_columns(SMALL["persons"])["person_id"].tolist()
    assert len(set(in_file)) == len(in_file)
    assert set(predicted) <= set(in_file)
    extra = set(in_file) - set(predicted)
    named = {e for p in reader.patterns() for e in p.entity_ids}
    assert extra <= named


def test_typologies_are_injected_and_labels_complete(bank):
    _, reader = bank
    patterns = reader.patterns()
    assert {p.typology for p in patterns} == set(Typology)
    assert reader.manifest["typologies"] == {t.value: 3 for t in Typology}
    labelled = {
        "transactions": ("txn_id", "transaction_ids"),
        "ownership_links": ("link_id", "link_ids"),
        "communications": ("comm_id", "communication_ids"),
    }
    by_id = {p.pattern_id: p for p in patterns}
    for entity, (key, listed) in labelled.items():
        stamped = {r[key]: r["pattern_id"] for r in _records(reader, entity) if r["pattern_id"]}
        listed_ids = {e: p.pattern_id for p in patterns for e in getattr(p, listed)}
        assert stamped == listed_ids, entity
        assert set(stamped.values()) <= set(by_id)
    accounts = {r["account_id"] for r in _records(reader, "accounts")}
    entities = {r["person_id"] for r in _records(reader, "persons")}
    entities |= {r["company_id"] for r in _records(reader, "companies")}
    for p in patterns:
        assert set(p.account_ids) <= accounts and set(p.entity_ids) <= entities


def _effective_ownership(links, company):
    """{person: effective %} over every simple ownership path into ``company``."""
    owners_of = {}
    for link in links:
        owners_of.setdefault(link["company_id"], []).append(link)
    out = {}

    def walk(node, share, seen):
        for link in owners_of.get(node, []):
            owner, part = link["owner_id"], share * link["pct"] / 100.0
            if owner in seen:
                continue
            if link["owner_type"] == "person":
                out[owner] = out.get(owner, 0.0) + part
            else:
                walk(owner, part, seen | {owner})

    walk(company, 1.0, {company})
    return {person: round(v * 100.0, 9) for person, v in out.items()}


def test_background_shareholdings_leave_ownership_ground_truth_exact(bank):
    _, reader = bank
    links = _records(reader, "ownership_links")
    chains = [p for p in reader.patterns() if p.typology == Typology.OWNERSHIP_CHAIN]
    assert chains
    for p in chains:
        got = _effective_ownership(links, p.expected["company"])
        expected = {**p.expected["ubos"], **p.expected["below_threshold"]}
        assert got.keys() == expected.keys()
        for person, pct in expected.items():
            assert got[person] == pytest.approx(pct, abs=1e-6)


def test_generation_without_output_counts_the_same(bank):
    summary, _ = bank
    dry = generate_bank(0.001, 5, counts=SMALL, batch_size=64)
    assert dry.counts == summary.counts and dry.out_dir is None


def test_scale_defaults():
    c = entity_counts(1.0)
    assert c["accounts"] == 500_000 and c["transactions"] == 5_000_000
    small = entity_counts(0.01)
    assert small["accounts"] == 5_000 and small["transactions"] == 50_000
    assert typology_counts(0.01) == {t.value: 3 for t in Typology}
    assert typology_counts(1.0)["cycle"] == 100
    assert typology_counts(0.5, {"cycle": 0})["cycle"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale": 0},
        {"scale": -1},
        {"scale": float("nan")},
        {"scale": 1, "counts": {"persons": -1}},
        {"scale": 1, "counts": {"persons": 2.5}},
        {"scale": 1, "counts": {"people": 3}},
        {"scale": 1, "counts": {"accounts": 1}},
        {"scale": 1, "typology_counts": {"laundromat": 3}},
        {"scale": 1, "seed": -3},
        {"scale": 1, "batch_size": 0},
        {"scale": 1, "fmt": "xml", "out_dir": "unused"},
    ],
)
def test_bad_arguments_fail_before_any_work(tmp_path, kwargs):
    kwargs = dict(kwargs)
    if "out_dir" in kwargs:
        kwargs["out_dir"] = tmp_path / "x"
    with pytest.raises(UsageError):
        generate_bank(**kwargs)
    assert list(tmp_path.iterdir()) == []


def _boom_after(monkeypatch, calls, exc):
    original = DatasetWriter.write_records
    seen = []

    def failing(self, entity, records):
        seen.append(entity)
        if len(seen) > calls:
            raise exc
        return original(self, entity, records)

    monkeypatch.setattr(DatasetWriter, "write_records", failing)


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_leaves_no_partial_dataset(tmp_path, monkeypatch, exc):
    _boom_after(monkeypatch, 3, exc)
    with pytest.raises(type(exc)):
        generate_bank(0.001, 1, out_dir=tmp_path / "ds", counts=SMALL, batch_size=50)
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_dataset(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    generate_bank(0.001, 1, out_dir=out, counts=SMALL)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _boom_after(monkeypatch, 2, RuntimeError("fail"))
    with pytest.raises(RuntimeError):
        generate_bank(0.001, 2, out_dir=out, counts=SMALL, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_existing_output_needs_overwrite_and_must_be_a_dataset(tmp_path):
    out = tmp_path / "ds"
    generate_bank(0.001, 1, out_dir=out, counts=SMALL)
    with pytest.raises(UsageError, match="already exists"):
        generate_bank(0.001, 1, out_dir=out, counts=SMALL)
    generate_bank(0.001, 2, out_dir=out, counts=SMALL, overwrite=True)
    assert DatasetReader(out).manifest["seed"] == 2
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a dataset"):
        generate_bank(0.001, 1, out_dir=other, counts=SMALL, overwrite=True)
    assert (other / "keep.txt").read_text() == "mine"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError):
        generate_bank(0.001, 1, out_dir=blocker / "ds", counts=SMALL)


def test_output_directory_is_not_private(tmp_path):
    out = tmp_path / "ds"
    generate_bank(0.001, 1, out_dir=out, counts=SMALL)
    assert Path(out).stat().st_mode & 0o055 == 0o055


def _fake_patterns_module():
    """A stand-in with the typology API, to test the wiring independently of the typologies."""
    import types
    from dataclasses import dataclass, field
    from datetime import datetime

    from banking.data_generators.core import PersonGenerator
    from banking.ids import IdSequence
    from banking.models import Account, Communication, OwnershipLink, Pattern, Transaction

    @dataclass(frozen=True)
    class PatternContext:
        person_ids: object
        company_ids: object
        account_ids: object
        account_owner_ids: object
        reference_date: object = None
        window_days: int = 365

    @dataclass
    class InjectedPatterns:
        patterns: list = field(default_factory=list)
        persons: list = field(default_factory=list)
        companies: list = field(default_factory=list)
        accounts: list = field(default_factory=list)
        transactions: list = field(default_factory=list)
        ownership_links: list = field(default_factory=list)
        communications: list = field(default_factory=list)

        def extend(self, other):
            for name in self.__dataclass_fields__:
                getattr(self, name).extend(getattr(other, name))

    def inject(typology, ctx, count, seed, **params):
        ns = typology.value
        out = InjectedPatterns()
        pids, tids = IdSequence(seed, "pattern", ns), IdSequence(seed, "transaction", ns)
        for i in range(count):
            pid = pids.next()
            mule = (
                PersonGenerator(seed)
                .generate()
                .model_copy(update={"person_id": IdSequence(seed, "person", ns).take(i + 1)[-1]})
            )
            acct = Account(
                account_id=IdSequence(seed, "account", ns).take(i + 1)[-1],
                iban="GB82WEST12345698765432",
                owner_id=mule.person_id,
                owner_type="person",
                account_type="checking",
                currency="USD",
                opened_date="2020-01-01",
                balance=1.0,
                bank_country="GB",
            )
            txns = [
                Transaction(
                    txn_id=tids.next(),
                    from_account=str(ctx.account_ids[i]),
                    to_account=acct.account_id,
                    amount=9_000.0 + k,
                    currency="USD",
                    timestamp=datetime(2024, 5, 1, 10, k),
                    channel="cash",
                    pattern_id=pid,
                )
                for k in range(2)
            ]
            link = OwnershipLink(
                link_id=IdSequence(seed, "ownership", ns).take(i + 1)[-1],
                owner_id=mule.person_id,
                owner_type="person",
                company_id=str(ctx.company_ids[i]),
                pct=25.0,
                pattern_id=pid,
            )
            comm = Communication(
                comm_id=IdSequence(seed, "communication", ns).take(i + 1)[-1],
                from_person=mule.person_id,
                to_person=str(ctx.person_ids[0]),
                channel="sms",
                timestamp=datetime(2024, 5, 1, 9),
                pattern_id=pid,
            )
            out.persons.append(mule)
            out.accounts.append(acct)
            out.transactions += txns
            out.ownership_links.append(link)
            out.communications.append(comm)
            out.patterns.append(
                Pattern(
                    pattern_id=pid,
                    typology=typology,
                    account_ids=(acct.account_id,),
                    entity_ids=(mule.person_id,),
                    transaction_ids=tuple(t.txn_id for t in txns),
                    link_ids=(link.link_id,),
                    communication_ids=(comm.comm_id,),
                    expected={"ubo": {mule.person_id: 25.0}},
                )
            )
        return out

    return types.SimpleNamespace(
        PatternContext=PatternContext, InjectedPatterns=InjectedPatterns, inject=inject
    )


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_injected_elements_are_written_mixed_in_and_consistent(tmp_path, monkeypatch, fmt):
    import sys

    monkeypatch.setitem(sys.modules, "banking.data_generators.patterns", _fake_patterns_module())
    out = tmp_path / "ds"
    summary = generate_bank(0.001, 9, out_dir=out, fmt=fmt, counts=SMALL, batch_size=100)
    reader = DatasetReader(out)
    assert summary.typologies == {t.value: 3 for t in Typology}
    assert reader.manifest["typologies"] == summary.typologies
    patterns = reader.patterns()
    assert len(patterns) == 33
    persons = [r["person_id"] for r in _records(reader, "persons")]
    accounts = [r["account_id"] for r in _records(reader, "accounts")]
    assert len(persons) == SMALL["persons"] + 33 and len(accounts) == SMALL["accounts"] + 33
    mules = {p.entity_ids[0] for p in patterns}
    assert mules <= set(persons)
    # Mixed in, not appended: some mule appears before the last background batch.
    assert min(persons.index(m) for m in mules) < SMALL["persons"] - 100
    txns = _records(reader, "transactions")
    assert len(txns) == SMALL["transactions"] + 66
    stamped = {t["txn_id"] for t in txns if t["pattern_id"]}
    assert stamped == {t for p in patterns for t in p.transaction_ids}
    assert {t["to_account"] for t in txns} <= set(accounts)
    links = _records(reader, "ownership_links")
    targeted = {r["company_id"] for r in links if r["pattern_id"]}
    assert len(targeted) == 3 and all(r["pattern_id"] for r in links if r["company_id"] in targeted)
    comms = _records(reader, "communications")
    assert sum(1 for c in comms if c["pattern_id"]) == 33
    for entity in ENTITIES:
        assert sum(len(b) for b in reader.iter_models(entity, 1000)) == reader.count(entity)
