"""Curation: every generated pair is checked, scored and deduplicated, then kept or rejected.

The checks are small modules with one job each (`artifacts`, `contamination`, `verification`,
`judge`, `duplicates`); `nodes` wires them into Kedro nodes shared by every skill's flow and by
the standalone `curation` pipeline.
"""
