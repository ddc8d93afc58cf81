"""`i5g influx`: the supported wrapper around the /api/v2/write proxy (i5g/influx/v2proxy.py) for a native
InfluxDB 1.6/1.7, with its own settings and systemd unit (deploy/systemd/i5g-influx-v2proxy.service)."""
