"""The `evaluate` pipeline: students answer the held-out test pairs of each skill and the
multiple-choice sets a user brings; exact match and the judge's Orca-Bench score, with
bootstrap intervals."""
