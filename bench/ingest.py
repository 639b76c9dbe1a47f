"""Ingest throughput: load + validate + grid + time_idx on 1M rows of 5-minute bars for 2 symbols.

Prints rows/s (median of several runs) for parquet and CSV input, per step and end to end.
Run: .venv/bin/python bench/ingest.py [--rows 1000000] [--repeats 3]
"""
import argparse, tempfile
from pathlib import Path
import numpy as np, pandas as pd

from common import median_time
from tsresearch.calendars import session_grid
from tsresearch.ingest import DatasetSpec, load_dataset, complete_grid

def make_bars(rows: int, seed=0) -> pd.DataFrame:
    "Two symbols of 5-minute XNYS bars with ~1% of bars missing (gaps to fill)."
    per = rows // 2
    grid = session_grid('XNYS', '5min', '2000-01-03', '2030-12-31')
    grid = grid[: int(per / 0.99) + 1]
    rng = np.random.default_rng(seed); parts = []
    for sym, p0 in (('ESX', 4500.0), ('NQX', 15000.0)):
        keep = np.sort(rng.choice(len(grid), per, replace=False))
        c = p0 * np.exp(np.cumsum(rng.normal(0, 1e-3, per))); o = np.r_[p0, c[:-1]]
        w = np.abs(rng.normal(0, 5e-4, per))
        parts.append(pd.DataFrame({'timestamp': grid[keep], 'symbol': sym, 'open': o, 'high': np.maximum(o, c) * (1 + w),
                                   'low': np.minimum(o, c) * (1 - w), 'close': c, 'volume': rng.integers(0, 1000, per).astype(float)}))
    return pd.concat(parts, ignore_index=True)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--rows', type=int, default=1_000_000); ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    bars = make_bars(a.rows)
    with tempfile.TemporaryDirectory() as d:
        for fmt in ('parquet', 'csv'):
            p = Path(d) / f'bars.{fmt}'
            (bars.to_parquet(p) if fmt == 'parquet' else bars.assign(timestamp=bars['timestamp'].dt.strftime('%Y-%m-%dT%H:%M:%SZ')).to_csv(p, index=False))
            spec = DatasetSpec(path=str(p), freq='5min', calendar='XNYS')
            t_load, (b, _) = median_time(lambda: load_dataset(spec, 'bench', base=d), a.repeats)
            t_grid, (g, stats) = median_time(lambda: complete_grid(b, 'XNYS', '5min'), a.repeats)
            n = len(bars)
            print(f'{fmt:>8}: {n:,} rows, {p.stat().st_size / 2**20:.0f} MiB | load+validate {t_load:.2f} s ({n / t_load:,.0f} rows/s) | '
                  f'grid+time_idx {t_grid:.2f} s ({n / t_grid:,.0f} rows/s) | end to end {n / (t_load + t_grid):,.0f} rows/s '
                  f'| filled {int(stats["filled"].sum()):,} bars')

if __name__ == '__main__':
    main()
