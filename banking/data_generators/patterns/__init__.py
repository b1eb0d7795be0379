"""AML typologies injected into an existing bank, with complete ground truth.

``inject(typology, ctx, count, seed, **params)`` builds ``count`` instances of one typology over
the accounts and persons of a ``PatternContext`` and returns an ``InjectedPatterns``: the
``Pattern`` records plus every transaction, ownership link, communication, person, company and
account the typology created (all validated models). Parameters not given take the values in
``TYPOLOGY_DEFAULTS``; an unknown typology or parameter, a bad value or a context too small for
the pattern raises ``UsageError``.

Labels are complete: every transaction, link and communication carries its ``pattern_id`` and
is listed by exactly that pattern; a pattern's ``account_ids`` are the accounts its transfers
touch or it opened, its ``entity_ids`` the persons and companies it created or that appear in
its links and communications. Times are naive UTC datetimes in whole seconds inside
``[reference_date - window_days, reference_date)``; windows below are ``[start, end)`` as ISO
strings (``YYYY-MM-DDTHH:MM:SS``). Amounts are whole cents.

``Pattern.expected`` per typology (what a detector should report):

- structuring: ``account`` (receiving account), ``threshold``, ``window``, ``deposit_count``,
  ``total``, ``sources`` (depositing accounts). Every deposit < threshold, total > threshold.
- fan_in: ``hub``, ``sources`` (each sends the hub one transfer inside ``window``), ``window``,
  ``degree`` (= len(sources)).
- fan_out: ``hub``, ``targets`` (each receives one transfer from the hub), ``window``, ``degree``.
- cycle: ``cycle`` (accounts in order; hop i goes cycle[i] -> cycle[i+1], the last back to
  cycle[0]), ``length`` (2..max_length), ``transactions`` (hop order, strictly increasing
  timestamps), ``amounts`` (decaying by a fee per hop), ``window``.
- scatter_gather: ``source``, ``intermediates``, ``sink``, ``window`` (source -> each
  intermediate in the first half, each intermediate -> sink in the second).
- gather_scatter: ``sources``, ``hub``, ``targets``, ``window`` (gather first half, scatter
  second half).
- bipartite: ``senders``, ``receivers`` (disjoint; every sender pays every receiver once),
  ``edge_count``, ``window``.
- stack: ``layers`` (list of account lists; every account of layer i pays every account of layer
  i + 1 once, layer step i inside the i-th equal slice of ``window``), ``window``.
- mule_chain: ``path`` (source, mule accounts..., destination; hop i strictly before hop i + 1),
  ``source``, ``destination``, ``mules`` (owners of the mule accounts: new persons by default),
  ``mule_accounts``, ``transactions`` (hop order), ``window``.
- fraud_ring: ``members`` (new persons), ``accounts`` (one new account each), ``shared``
  ({"address": value} and/or {"phone": value}: every member has exactly these values; values not
  shared are distinct), ``window``. Transfers and communications run among members only.
- ownership_chain: ``company`` (new target), ``threshold`` (25.0), ``ubos`` ({person_id:
  effective %} with effective >= threshold), ``below_threshold`` ({person_id: effective %}),
  ``chains`` ({person_id: [[person, ..., company], ...]} every simple ownership path),
  ``nominees`` (persons holding through an ``is_nominee`` link), ``edge_cases`` ({"24.9": p,
  "25.0": p, "25.1": p}), ``cycles`` (circular holdings, owner -> owned order), ``max_depth``
  (longest chain in links). Effective % = sum over simple paths of the product of pct / 100,
  times 100, rounded to 9 decimals; the 25.0 case is exact in floating point.
"""

from banking.data_generators.patterns.context import InjectedPatterns, PatternContext
from banking.data_generators.patterns.registry import TYPOLOGY_DEFAULTS, inject

__all__ = ["TYPOLOGY_DEFAULTS", "InjectedPatterns", "PatternContext", "inject"]
