"""Fire on the dashboard: incidents (sentence, timeline) and the cameras' view cones."""
