"""Item pipelines, in data-flow order: archive (hash and store) → extract → catalogue."""
