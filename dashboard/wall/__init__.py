"""The control-room wall (``/wall``): a playlist of views read from five metres, driven by new alarms."""
