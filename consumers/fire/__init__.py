"""Fire: smoke and fire incidents from cameras, detectors and citizens' calls."""
