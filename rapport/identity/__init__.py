"""Identity resolution: finding the records that stand for the same person or company, scoring how sure that is
(and why), and merging them (see docs/architecture.md).

- ``records``: a contact as the matcher sees it (folded names, canonical emails, phone keys, addresses), and the
  placeholder values that are never evidence ("test@test.com", "N/A", "0000000000").
- ``comparisons``: per field, how far two records agree (levels, strongest first; a missing value is no level).
- ``fellegi_sunter``: the probabilistic model: each level's m and u probabilities, learned from the data itself
  (u from random pairs, m and the prior by expectation-maximisation), scores with their explanation.
- ``blocking``: the candidate pairs, so that the cost grows about linearly with the number of records.
"""
