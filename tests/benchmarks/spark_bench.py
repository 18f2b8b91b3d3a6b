"""PySpark floor: the DuckDB floor's job (read, map codes, filter, partitioned parquet, shares) in
Spark SQL on `local[2]`, to weigh PySpark against Dask for large sources (docs/architecture.md,
"Large sources"). Needs `pip install pyspark` and Java 17; not a project dependency.

    python -m tests.benchmarks.spark_bench ROWS [ROWS ...]
"""

from __future__ import annotations

import sys
import time

from tests.benchmarks.etl_bench import CODES, dataset
from tests.benchmarks.run import WORK

SQL_TIDY = """
SELECT r.iso3 AS reporter, p.iso3 AS partner, c.cmdCode AS commodity,
       CASE c.flowCode WHEN 'X' THEN 'export' ELSE 'import' END AS flow,
       CASE c.freqCode WHEN 'A' THEN 'year' ELSE 'month' END AS basis,
       make_date(c.refYear, coalesce(c.refMonth, 1), 1) AS period_start,
       c.refYear AS year, c.primaryValue AS value
FROM comtrade c
JOIN codes r ON r.code = c.reporterCode
JOIN codes p ON p.code = c.partnerCode
WHERE c.flowCode IN ('X', 'M') AND coalesce(c.partner2Code, '0') = '0'
  AND coalesce(c.customsCode, 'C00') = 'C00' AND coalesce(c.motCode, '0') = '0'
"""
SQL_SHARES = """
SELECT t.*, t.value / w.value AS share,
       rank() OVER (PARTITION BY t.reporter, t.flow, t.period_start ORDER BY t.value DESC) AS rank
FROM tidy t JOIN tidy w
  ON w.partner = 'WLD' AND w.reporter = t.reporter AND w.flow = t.flow
 AND w.period_start = t.period_start AND w.commodity = 'TOTAL'
WHERE t.commodity = 'TOTAL'
"""
TEXT_COLUMNS = ("cmdCode", "reporterCode", "partnerCode", "partner2Code", "customsCode", "motCode")


def spark_floor(rows: int) -> dict:
    from pyspark.sql import SparkSession

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    started = time.perf_counter() - t0
    raw = dataset(rows, WORK)
    out = WORK / f"spark-{rows}"
    t1 = time.perf_counter()
    reader = spark.read.option("header", True).option("inferSchema", False)
    frame = reader.csv(str(raw / "un-comtrade" / "*.csv"))
    for name in ("refYear", "refMonth"):
        frame = frame.withColumn(name, frame[name].cast("int"))
    frame = frame.withColumn("primaryValue", frame["primaryValue"].cast("double"))
    frame.createOrReplaceTempView("comtrade")
    spark.read.option("header", True).csv(str(CODES)).createOrReplaceTempView("codes")
    tidy = spark.sql(SQL_TIDY)
    tidy.write.mode("overwrite").partitionBy("year", "reporter").parquet(str(out / "trade_large"))
    spark.read.parquet(str(out / "trade_large")).createOrReplaceTempView("tidy")
    spark.sql(SQL_SHARES).write.mode("overwrite").parquet(str(out / "shares"))
    seconds = time.perf_counter() - t1
    spark.stop()
    return {"rows": rows, "spark_start_s": round(started, 2), "spark_floor_s": round(seconds, 2)}


def main(argv: list[str]) -> None:
    for rows in map(int, argv):
        print(spark_floor(rows), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
