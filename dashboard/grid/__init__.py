"""The power grid's part of the dashboard: a line's load against its dynamic rating, in words and on a chart."""
