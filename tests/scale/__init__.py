"""Tests of partitioned and cluster runs."""
