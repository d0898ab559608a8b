"""Flood response: water depth on the streets from the river gauges, the safest routes for rescue teams, and who
to evacuate to which shelter (``docs/flood.md``). Pure modules (``network``, ``inundation``, ``outlook``,
``routing``, ``evacuation``, ``picture``) and one service that reads and writes ``city.state`` (``service``)."""
