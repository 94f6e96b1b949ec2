"""Reads a CSV from a read-only grant and summarises it: revenue per region and the best-selling product."""
import csv
from collections import defaultdict

from capsule import task


@task(name="main", compute="MEDIUM", ram="128MB", timeout="20s", allowed_files=["./data::/data:ro"])
def main(path="/data/sales.csv"):
    revenue = defaultdict(float)
    units = defaultdict(int)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            revenue[row["region"]] += int(row["units"]) * float(row["price"])
            units[row["product"]] += int(row["units"])
    return {
        "revenue_by_region": {region: round(total, 2) for region, total in sorted(revenue.items())},
        "best_seller": max(units, key=units.get),
        "rows": sum(units.values()),
    }
