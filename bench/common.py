"""Shared benchmark helpers."""
import statistics, time
import numpy as np, pandas as pd

def median_time(f, repeats=3, clock=time.perf_counter):
    "Median seconds of `repeats` calls of `f` on `clock` (wall by default, time.process_time for CPU), and the last result."
    ts, out = [], None
    for _ in range(repeats):
        t0 = clock(); out = f(); ts.append(clock() - t0)
    return statistics.median(ts), out

def bars(n, seed=0, symbol='X'):
    "A seeded random-walk OHLC frame of `n` 5-minute bars (24/7 timestamps)."
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    o = np.r_[c[0], c[:-1]] * np.exp(rng.normal(0, 2e-4, n))
    w = np.abs(rng.normal(0, 5e-4, n)); vol = rng.lognormal(10, 1, n)
    return pd.DataFrame({'timestamp': pd.date_range('2000-01-03', periods=n, freq='5min', tz='UTC'), 'symbol': symbol,
                         'open': o, 'high': np.maximum(o, c) * np.exp(w), 'low': np.minimum(o, c) * np.exp(-w), 'close': c, 'volume': vol})
