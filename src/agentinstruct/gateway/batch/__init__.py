"""Calls made through a provider's batch API (`calls: batch`): the batch gateway, OpenAI-format
batch files, Anthropic's Message Batches, and the ledger of what was submitted."""
