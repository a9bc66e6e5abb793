"""Tests of the curation package."""
