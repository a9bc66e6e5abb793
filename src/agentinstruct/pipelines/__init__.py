"""One package per registered pipeline."""
