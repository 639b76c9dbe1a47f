"""Feature speed: FFD against an AFML snippet 5.3 style loop, and the whole feature build.

1. FFD of a 1e6-bar log price: `frac_diff_ffd` (scipy oaconvolve) vs the reference loop of AFML
   snippet 5.3 (pandas, one dot product per bar), same run, same d; they must match to 1e-10.
2. The whole feature build for 2 symbols x N bars: raw causal features (returns, range, volatility
   estimators, oscillators, calendar terms, price-action tokens), then one fold's fitting on the
   first half (FFD d by ADF, 3-state HMM, robust scaler, MI + correlation selection) and the
   transform of all rows. CPU seconds per phase and the process's peak RSS.
Run on one core: taskset -c 0 .venv/bin/python bench/features.py [--bars 1000000] [--ref-bars 1000000]
"""
import argparse, resource, time
import numpy as np, pandas as pd
from common import median_time, bars
from tsresearch.core import FeaturesConfig, LabelsConfig
from tsresearch.features import build_features, fit_fold_features, transform_fold, frac_diff_ffd, ffd_weights
from tsresearch.labeling import triple_barrier_labels

D, THRESH = 0.4, 1e-4

def ffd_reference(series: pd.Series, d=D, thres=THRESH) -> pd.Series:
    "AFML snippet 5.3 (fixed-width window fracdiff), written for pandas 3."
    w = ffd_weights(d, thres)[::-1].reshape(-1, 1); width = len(w) - 1
    out = pd.Series(np.nan, index=series.index)
    for iloc1 in range(width, series.shape[0]):
        loc0, loc1 = series.index[iloc1 - width], series.index[iloc1]
        out.loc[loc1] = np.dot(w.T, series.loc[loc0:loc1])[0]
    return out

def peak_gb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

def cpu(f, k=3): return median_time(f, k, time.process_time)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--bars', type=int, default=1_000_000); ap.add_argument('--ref-bars', type=int, default=1_000_000)
    a = ap.parse_args()
    x = pd.Series(np.log(bars(a.bars)['close'].to_numpy()))
    t_ours, y = cpu(lambda: frac_diff_ffd(x.to_numpy(), D, THRESH), k=5)
    xs = x.iloc[:a.ref_bars]
    t_ref, ref = cpu(lambda: ffd_reference(xs), k=1)
    diff = np.nanmax(np.abs(ref.to_numpy() - y[:a.ref_bars]))
    r_ref, r_ours = a.ref_bars / t_ref, a.bars / t_ours
    print(f'FFD d={D} (window {len(ffd_weights(D, THRESH))} weights): reference loop {a.ref_bars:,} bars in {t_ref:.1f} s CPU = {r_ref:,.0f} bars/s')
    print(f'FFD ours (oaconvolve): {a.bars:,} bars in {t_ours * 1e3:.1f} ms CPU = {r_ours:,.0f} bars/s | speed-up {r_ours / r_ref:,.0f}x | max |diff| {diff:.1e}')
    del ref, xs
    df = pd.concat([bars(a.bars, seed=1, symbol='A'), bars(a.bars, seed=2, symbol='B')], ignore_index=True)
    cfg = FeaturesConfig(); cal = {'A': '24/7', 'B': '24/7'}
    build_features(df.iloc[:5000], cfg, cal)                                          # numba compile outside the timing
    rss0 = peak_gb()
    t0 = time.process_time(); raw = build_features(df, cfg, cal); t_raw = time.process_time() - t0; rss1 = peak_gb()
    labels = triple_barrier_labels(df, LabelsConfig(pt_mult=1, sl_mult=1))
    train = np.flatnonzero((df.groupby('symbol').cumcount() < a.bars // 2).to_numpy())
    t0 = time.process_time(); params = fit_fold_features(raw, labels, train, cfg); t_fit = time.process_time() - t0
    t0 = time.process_time(); m = transform_fold(raw, params, cfg); t_tr = time.process_time() - t0; rss2 = peak_gb()
    print(f'feature build, 2 symbols x {a.bars:,} bars: raw {raw.shape[1] - 4} features in {t_raw:.1f} s CPU '
          f'(frame {raw.memory_usage(deep=True).sum() / 2**30:.2f} GiB); fold fit (FFD d, HMM, scaler, selection) {t_fit:.1f} s; '
          f'transform {t_tr:.1f} s; total {t_raw + t_fit + t_tr:.1f} s CPU')
    print(f'peak RSS: {rss0:.2f} GiB before, {rss1:.2f} GiB after the raw build, {rss2:.2f} GiB after fit+transform '
          f'(inputs: bars {df.memory_usage(deep=True).sum() / 2**30:.2f} GiB, labels {labels.memory_usage(deep=True).sum() / 2**30:.2f} GiB)')
    print(f"FFD d chosen: {params['ffd_d']} | selected {len(params['selected'])}: {params['selected'][:6]}...")

if __name__ == '__main__':
    main()
