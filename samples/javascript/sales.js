// Reads a CSV from a read-only grant and summarises it: revenue per region and the best-selling product.
import { task, readFile } from "capsule";

export const main = task(
  { name: "main", compute: "MEDIUM", ram: "128MB", timeout: "20s", allowedFiles: ["../python/data::/data:ro"] },
  (path = "/data/sales.csv") => {
    const [header, ...rows] = readFile(path).trim().split("\n").map((line) => line.split(","));
    const col = Object.fromEntries(header.map((name, i) => [name, i]));
    const revenue = {};
    const units = {};
    for (const row of rows) {
      const n = Number(row[col.units]);
      revenue[row[col.region]] = (revenue[row[col.region]] ?? 0) + n * Number(row[col.price]);
      units[row[col.product]] = (units[row[col.product]] ?? 0) + n;
    }
    const best = Object.entries(units).sort((a, b) => b[1] - a[1])[0][0];
    const byRegion = Object.fromEntries(Object.keys(revenue).sort().map((r) => [r, Math.round(revenue[r] * 100) / 100]));
    return { revenue_by_region: byRegion, best_seller: best, rows: Object.values(units).reduce((a, b) => a + b, 0) };
  });
