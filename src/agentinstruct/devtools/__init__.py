"""Tools for benchmarks and tests: a fake OpenAI-compatible server that answers any schema."""
