"""Contracts: Pydantic models for LLM outputs, Pandera models for the frames between nodes."""
