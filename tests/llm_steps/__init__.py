"""Tests of the LLM steps."""
