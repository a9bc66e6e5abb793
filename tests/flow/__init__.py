"""Tests of the flow package."""
