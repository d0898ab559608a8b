"""Stream side of the city operations product: the telemetry contract, rolling state, rules and transports.

The dashboard and the simulator import the shared pieces (settings, contract, city pack, transports) from
here; nothing in this package imports Dash.
"""
