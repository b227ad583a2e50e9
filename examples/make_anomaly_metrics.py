#!/usr/bin/env python3
"""Writes examples/anomaly_metrics.csv: four days of API latency with a
daily peak at 14:00 UTC, deterministic pseudo-noise, and one injected
anomaly (03:00-03:25 UTC on the fourth day, when latency is normally low).

    python3 examples/make_anomaly_metrics.py > examples/anomaly_metrics.csv
"""
import math

seed = 2024


def rnd():
    global seed
    seed = (seed * 1103515245 + 12345) % 2**31
    return seed / 2**31


print("Timestamp,Namespace,MetricName,Dimensions,Unit,Value")
start_day = 11  # 2024-03-11 is a Monday.
for day in range(4):
    for minute in range(0, 24 * 60, 5):
        hour = minute / 60.0
        # Low at night, peak at 14:00 UTC.
        value = 180 + 90 * math.cos((hour - 14) / 24 * 2 * math.pi)
        value *= 1 + 0.06 * (rnd() - 0.5)
        if day == 3 and 3 * 60 <= minute < 3 * 60 + 30:
            value = 420 + 20 * rnd()
        ts = "2024-03-%02dT%02d:%02d:30Z" % (start_day + day, minute // 60,
                                            minute % 60)
        print("%s,Custom/Api,Latency,Endpoint=/orders,Milliseconds,%.1f" %
              (ts, value))
