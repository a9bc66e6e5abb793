"""Calls made now: the engine (LiteLLM + Instructor, cache, retries, accounting), how hard it may
push an endpoint, which failures end a run, the one event loop, fleets of endpoints, worker
processes, and every use of Instructor's internals."""
