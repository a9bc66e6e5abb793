"""How nodes use the gateway, below every package that asks a model (the flow, curation,
evaluation): the one shape of an LLM step, and the call log's sums for the reports."""
