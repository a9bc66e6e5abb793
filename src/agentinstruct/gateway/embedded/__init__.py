"""The embedded default model (SmolLM2-135M-Instruct on llama.cpp, in-process): its LiteLLM
provider, grammar-constrained sampling, and the weights in this CPU's fastest encoding."""
