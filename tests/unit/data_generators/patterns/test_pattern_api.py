"""Behaviour every typology shares: labels, ids, determinism, time bounds, validation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from conftest import SEED, make_context

from banking.data_generators.patterns import (
    TYPOLOGY_DEFAULTS,
    InjectedPatterns,
    PatternContext,
    inject,
)
from banking.errors import UsageError
from banking.models import Typology

ALL = list(Typology)


def dump(out: InjectedPatterns) -> str:
    return json.dumps(
        {name: [m.model_dump(mode="json") for m in getattr(out, name)] for name in out.counts()},
        sort_keys=True,
    )


@pytest.mark.parametrize("typology", ALL)
def test_labels_are_complete(typology, ctx):
    out = inject(typology, ctx, 4, SEED)
    assert len(out.patterns) == 4
    out.check_labels(ctx)  # the library's own check ...
    # ... and an independent one.
    pattern_ids = {p.pattern_id for p in out.patterns}
    for record in [*out.transactions, *out.ownership_links, *out.communications]:
        assert record.pattern_id in pattern_ids
    listed = [
        i for p in out.patterns for i in (*p.transaction_ids, *p.link_ids, *p.communication_ids)
    ]
    produced = [
        *(t.txn_id for t in out.transactions),
        *(link.link_id for link in out.ownership_links),
        *(c.comm_id for c in out.communications),
    ]
    assert sorted(listed) == sorted(produced)
    accounts = set(ctx.account_ids.tolist()) | {a.account_id for a in out.accounts}
    owners = (
        set(ctx.person_ids.tolist())
        | set(ctx.company_ids.tolist())
        | {p.person_id for p in out.persons}
        | {c.company_id for c in out.companies}
    )
    for pattern in out.patterns:
        assert pattern.typology == typology
        txn_accounts = {
            a
            for t in out.transactions
            if t.pattern_id == pattern.pattern_id
            for a in (t.from_account, t.to_account)
        }
        assert txn_accounts <= set(pattern.account_ids) <= accounts
        assert set(pattern.entity_ids) <= owners
    assert all(a.owner_id in owners for a in out.accounts)
    new_ids = {a.account_id for a in out.accounts}
    assert new_ids <= {a for p in out.patterns for a in p.account_ids}
    new_entities = {p.person_id for p in out.persons} | {c.company_id for c in out.companies}
    assert new_entities <= {e for p in out.patterns for e in p.entity_ids}


def test_check_labels_catches_an_unlabelled_element(ctx):
    out = inject("cycle", ctx, 2, SEED)
    stray = out.transactions[0].model_copy(update={"txn_id": "TXN-0000000000000000"})
    out.transactions.append(stray)
    with pytest.raises(ValueError, match="belong to no pattern"):
        out.check_labels(ctx)


@pytest.mark.parametrize("typology", ALL)
def test_same_inputs_same_output_and_seed_matters(typology, ctx):
    first = dump(inject(typology, ctx, 3, SEED))
    assert dump(inject(typology.value, ctx, 3, SEED)) == first
    assert dump(inject(typology, ctx, 3, SEED + 1)) != first


@pytest.mark.parametrize("typology", ALL)
def test_instances_do_not_depend_on_count(typology, ctx):
    few, many = inject(typology, ctx, 2, SEED), inject(typology, ctx, 5, SEED)
    assert [p.model_dump() for p in few.patterns] == [p.model_dump() for p in many.patterns[:2]]


def test_output_is_identical_across_processes_and_hash_seeds():
    script = (
        "import hashlib, json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from conftest import make_context\n"
        "from banking.data_generators.patterns import inject\n"
        "from banking.models import Typology\n"
        "ctx = make_context()\n"
        "h = hashlib.sha256()\n"
        "for t in Typology:\n"
        "    out = inject(t, ctx, 2, 11)\n"
        "    for name in out.counts():\n"
        "        for m in getattr(out, name):\n"
        "            h.update(m.model_dump_json().encode())\n"
        "print(h.hexdigest())\n"
    )
    here = os.path.dirname(__file__)
    digests = set()
    # Different hash seeds and time zones (a different local "today" for any clock read).
    for hash_seed, tz in (("1", "UTC"), ("2", "Pacific/Kiritimati")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "TZ": tz}
        result = subprocess.run(
            [sys.executable, "-c", script, here],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_all_typologies_in_one_context_give_globally_unique_ids(ctx):
    total = InjectedPatterns()
    for typology in ALL:
        total.extend(inject(typology, ctx, 5, SEED))
    total.check_labels(ctx)
    assert total.counts_by_typology() == {t.value: 5 for t in ALL}
    ids = [
        *(p.pattern_id for p in total.patterns),
        *(t.txn_id for t in total.transactions),
        *(link.link_id for link in total.ownership_links),
        *(c.comm_id for c in total.communications),
        *(p.person_id for p in total.persons),
        *(c.company_id for c in total.companies),
        *(a.account_id for a in total.accounts),
    ]
    assert len(ids) == len(set(ids))
    existing = {*ctx.person_ids.tolist(), *ctx.company_ids.tolist(), *ctx.account_ids.tolist()}
    assert not existing & set(ids)
    assert all(v > 0 for k, v in total.counts().items())


@pytest.mark.parametrize("typology", ALL)
def test_activity_stays_inside_the_context_window(typology):
    ctx = make_context(reference_date=date(2030, 6, 1), window_days=90)
    out = inject(typology, ctx, 4, SEED)
    low = datetime(2030, 6, 1) - timedelta(days=90)
    for record in [*out.transactions, *out.communications]:
        assert low <= record.timestamp < datetime(2030, 6, 1)
    first_use: dict[str, datetime] = {}
    for t in out.transactions:
        for account in (t.from_account, t.to_account):
            first_use[account] = min(first_use.get(account, t.timestamp), t.timestamp)
    for account in out.accounts:
        assert account.opened_date <= first_use[account.account_id].date()


@pytest.mark.parametrize("typology", ALL)
def test_parameters_record_the_resolved_values(typology, ctx):
    out = inject(typology, ctx, 1, SEED)
    assert out.patterns[0].parameters == TYPOLOGY_DEFAULTS[typology]


def test_defaults_cover_every_typology_and_are_a_copy(ctx):
    assert set(TYPOLOGY_DEFAULTS) == set(Typology)
    TYPOLOGY_DEFAULTS[Typology.CYCLE]["max_length"] = 99
    try:
        out = inject("cycle", ctx, 1, SEED)
        assert out.patterns[0].parameters["max_length"] == 6
    finally:
        TYPOLOGY_DEFAULTS[Typology.CYCLE]["max_length"] = 6


def test_zero_count_gives_nothing(ctx):
    out = inject("fan_in", ctx, 0, SEED)
    assert all(v == 0 for v in out.counts().values())


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("smurfing", 1, 1), {}, "unknown typology 'smurfing'"),
        (("cycle", -1, 1), {}, "count must be a non-negative integer"),
        (("cycle", True, 1), {}, "count must be a non-negative integer"),
        (("cycle", 1.5, 1), {}, "count must be a non-negative integer"),
        (("cycle", 1, -3), {}, "seed must be a non-negative integer"),
        (("cycle", 1, 1), {"hops": 3}, "unknown parameter 'hops'"),
        (("cycle", 1, 1), {"max_length": "6"}, "max_length must be an integer"),
        (("cycle", 1, 1), {"max_length": True}, "max_length must be an integer"),
        (("cycle", 1, 1), {"min_length": 1}, "min_length must be at least 2"),
        (("cycle", 1, 1), {"min_length": 5, "max_length": 3}, "max_length (3) must be"),
        (("cycle", 1, 1), {"max_fee": 1.5}, "fees must satisfy"),
        (("cycle", 1, 1), {"amount_min": float("nan")}, "must be a finite number"),
        (("cycle", 1, 1), {"channel": "pigeon"}, "channel must be one of"),
        (("cycle", 1, 1), {"currency": "XXX"}, "currency must be one of"),
        (("cycle", 1, 1), {"window_days": 400}, "exceeds the context's window_days"),
        (("cycle", 1, 1), {"max_length": 500}, "the pattern needs at least 500"),
        (("structuring", 1, 1), {"min_fraction": 0.1}, "min_fraction must be in"),
        (("structuring", 1, 1), {"threshold": 0.5}, "threshold must be at least 1"),
        (("fraud_ring", 1, 1), {"shared": "email"}, "shared must be one of"),
        (("mule_chain", 1, 1), {"new_mules": 1}, "new_mules must be true or false"),
        (("ownership_chain", 1, 1), {"threshold": 0.0}, "threshold must be in"),
    ],
)
def test_bad_requests_raise_one_line_usage_errors(args, kwargs, message, ctx):
    typology, count, seed = args
    with pytest.raises(UsageError) as info:
        inject(typology, ctx, count, seed, **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_context_too_small_is_a_usage_error():
    tiny = make_context(persons=3, companies=1, accounts=4)
    with pytest.raises(UsageError, match="context has 4 accounts"):
        inject("fan_in", tiny, 1, SEED)
    with pytest.raises(UsageError, match="context has 3 persons"):
        inject("ownership_chain", tiny, 1, SEED)
    # Typologies that only create new entities need nothing from the context.
    assert len(inject("fraud_ring", tiny, 1, SEED).patterns) == 1


def test_bad_contexts_are_usage_errors(ctx):
    with pytest.raises(UsageError, match="must be parallel"):
        PatternContext(ctx.person_ids, ctx.company_ids, ctx.account_ids, ctx.person_ids[:3])
    with pytest.raises(UsageError, match="window_days must be a positive integer"):
        make_context(window_days=0)
    with pytest.raises(UsageError, match="one-dimensional"):
        PatternContext(
            np.array([["PER-1"]]), ctx.company_ids, ctx.account_ids, ctx.account_owner_ids
        )
    with pytest.raises(UsageError, match="needs a PatternContext"):
        inject("cycle", {"accounts": []}, 1, SEED)
