"""What calls cost: prices (LiteLLM's map, or the teacher entry's own) and a budget shared by
every process that uses one response store."""
