"""Triple-barrier labelling speed: our numba kernel vs an AFML-style per-event pandas implementation.

The reference follows AFML snippets 3.1-3.5 (volatility with pandas ewm, one event at a time,
barriers found by pandas boolean indexing over the event's path), with our barrier rules (high/low
touches, gaps at the open, both-barrier bars resolve to the stop), so labels must agree exactly.
Prints bars/s for 3 horizons (1, 5, 20), the speed ratio, label agreement, and our kernel on 1e6/1e7 bars.
Run: .venv/bin/python bench/labeling.py [--ref-bars 20000] [--bars 100000]
"""
import argparse, math, time
import numpy as np, pandas as pd
from common import median_time, bars
from tsresearch.core import LabelsConfig
from tsresearch.kernels import segments
from tsresearch.labeling import triple_barrier_labels, volatility, _triple_barrier, _arrays

H, PT, SL, SPAN = (1, 5, 20), 2.0, 2.0, 100

def afml_reference(df: pd.DataFrame) -> dict:
    "Per-event pandas labels (AFML 3.1-3.5 style) for each horizon."
    df = df.set_index('timestamp')
    vol = (np.log(df['close']).diff() ** 2).ewm(span=SPAN, adjust=False, min_periods=20).mean() ** 0.5   # snippet 3.1
    out = {}
    for h in H:
        labels = pd.Series(np.nan, index=df.index)
        for i, t0 in enumerate(df.index[:-h]):                     # snippets 3.2-3.4: one event at a time
            v = vol.iloc[i]
            if not v > 0: continue
            c0 = df['close'].iloc[i]; w = v * math.sqrt(h)
            up, dn = c0 * math.exp(PT * w), c0 * math.exp(-SL * w)
            path = df.iloc[i + 1:i + h + 1]
            touch = (path['open'] <= dn) | (path['open'] >= up) | (path['low'] <= dn) | (path['high'] >= up)
            if not touch.any(): labels.iloc[i] = 0.0; continue     # vertical barrier: label 0
            bar = path.loc[touch].iloc[0]                          # first touch (snippet 3.5's bins)
            if bar['open'] <= dn: labels.iloc[i] = -1.0
            elif bar['open'] >= up: labels.iloc[i] = 1.0
            else: labels.iloc[i] = -1.0 if bar['low'] <= dn else 1.0   # both in one bar: the stop
        out[h] = labels.to_numpy()
    return out

def ours(df, cfg):
    lb = triple_barrier_labels(df, cfg)
    return {h: lb[f'label_{h}'].to_numpy(dtype=float, na_value=np.nan) for h in H}

def cpu_time(f, k=3): return median_time(f, k, time.process_time)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--ref-bars', type=int, default=20_000); ap.add_argument('--bars', type=int, default=100_000)
    a = ap.parse_args()
    cfg = LabelsConfig(horizons=list(H), pt_mult=PT, sl_mult=SL, vol_span=SPAN, vol_min_periods=20)
    ours(bars(1000), cfg)                                                # compile (numba cache) outside the timing
    small = bars(a.ref_bars)
    t_ref, ref = cpu_time(lambda: afml_reference(small), k=1)
    got = ours(small, cfg)
    agree = all(np.array_equal(ref[h], got[h], equal_nan=True) for h in H)
    n_lab = sum(int(np.isfinite(got[h]).sum()) for h in H)
    big = bars(a.bars)
    t_ours, _ = cpu_time(lambda: ours(big, cfg))
    r_ref, r_ours = a.ref_bars / t_ref, a.bars / t_ours
    print(f'reference (pandas, per event): {a.ref_bars:,} bars x 3 horizons in {t_ref:.1f} s CPU = {r_ref:,.0f} bars/s')
    print(f'ours (numba kernel + vol + weights): {a.bars:,} bars x 3 horizons in {t_ours * 1e3:.0f} ms CPU = {r_ours:,.0f} bars/s')
    print(f'speed-up {r_ours / r_ref:,.0f}x | labels agree with the reference on all {n_lab:,} labels: {agree}')
    for n in (1_000_000, 10_000_000):
        df = bars(n); start, end = segments(df['symbol'])
        t_all, _ = cpu_time(lambda: triple_barrier_labels(df, cfg))
        def kernel_only():
            v = volatility(df, 'ewma', SPAN, 20); o, h, l, c = _arrays(df); s = np.ones(n, np.int64)
            for hz in H: _triple_barrier(o, h, l, c, v, end, s, hz, PT, SL, True, False, 0.0)
        t_k, _ = cpu_time(kernel_only)
        print(f'{n:>12,} bars, 3 horizons: labels incl. volatility {t_k:.3f} s CPU; full frame with weights and t1 {t_all:.2f} s CPU')

if __name__ == '__main__':
    main()
