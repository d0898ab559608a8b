"""Flood response in the web tier: the picture the flood service publishes (``flood:picture``) read with names, the
rescue route to a point a person picks, and the evacuation list as CSV."""
