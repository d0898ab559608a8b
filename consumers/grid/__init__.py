"""The power grid: dynamic thermal ratings of overhead lines in the weather at their spans (IEEE 738, via the
``linerate`` package), and each line's load against that rating. Pure: no Kafka, no Dash, no clock.
"""
