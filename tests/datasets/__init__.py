"""Tests of the Kedro datasets."""
