"""Window assembly speed: the zero-copy `WindowSet` against per-item pandas `.iloc` windows and pytorch-forecasting.

1. 2 symbols x N/2 bars (N = 1e6), F = 50 observed float32 features, K known-future columns, labels at horizons
   1, 5, 20. Shuffled training batches of 256 windows of L = 128 bars, samples per CPU second in steady state, same run:
   - seed 001's `NHiTSDataset` as written (a `.iloc` window slice per sample, `.iloc` per label and weight,
     torch's default collate), and the fairer per-item path: only the window by `.iloc`, targets from numpy;
   - ours: `WindowSet.loader('train', shuffle=True)`, the whole batch dict (x, known, y, w, r, mask, last_y, row,
     symbol), and the same in row order (evaluation loaders); with the arrays in float32 (CPU studies) and
     float16 (`dtype='float16'`, what the `windows` stage uses on a GPU), plus the float32 cast a model then makes;
   - for scale: our `x` gather alone, and one contiguous copy of as many bytes as our batch holds, from memory not
     in cache (the gather is memory-bound; it can beat this copy a little, as rows of a window share cache lines).
2. pytorch-forecasting's `TimeSeriesDataSet(...).to_dataloader(batch_size=256)` on --pf-rows rows (same F and K,
   encoder L, decoder Hmax), against ours on the same rows.
Run on one core: taskset -c 0 .venv/bin/python bench/windows.py [--rows 1000000] [--features 50] [--known 4] [--pf-rows 100000]
"""
import argparse, itertools, os, resource, time, warnings
import numpy as np, pandas as pd, torch
from common import median_time
from tsresearch.windows import WindowSet
from tsresearch.models.base import float32_inputs

L, B, HORIZONS = 128, 256, (1, 5, 20)

def frames(n_per, F, K, seed=0):
    "Fold matrix, labels frame and log closes of 2 symbols x `n_per` 5-minute bars."
    rng = np.random.default_rng(seed); N = 2 * n_per
    ts = pd.date_range('2020-01-01', periods=n_per, freq='5min', tz='UTC').as_unit('us')
    sym, t = np.repeat(['A', 'B'], n_per), np.tile(np.arange(n_per), 2)
    m = pd.DataFrame(rng.normal(size=(N, F)).astype(np.float32), columns=[f'f{j}' for j in range(F)])
    tod = (t % 288) / 288
    known = {f'{fn.__name__}_tod_{k}': fn(2 * np.pi * k * tod).astype(np.float32) for k in range(1, K // 2 + 2) for fn in (np.sin, np.cos)}
    m = pd.concat([pd.DataFrame({'symbol': sym, 'timestamp': np.tile(ts, 2), 'is_filled': False}), m,
                   pd.DataFrame(known).iloc[:, :K]], axis=1)
    lab = {'symbol': sym, 'timestamp': m['timestamp']}
    for h in HORIZONS:
        ok = (t + h < n_per) & (rng.random(N) > 0.05)
        lab[f'label_{h}'] = pd.array(rng.integers(-1, 2, N), dtype='Int8'); lab[f'label_{h}'][~ok] = pd.NA
        lab[f't1_{h}'] = m['timestamp'].shift(-h).where(ok)
        lab[f'weight_{h}'] = np.where(ok, rng.random(N), np.nan)
    return m, pd.DataFrame(lab), np.cumsum(rng.normal(0, 1e-3, N)) + 4.6

class SeedWindows(torch.utils.data.Dataset):
    "Seed 001's `NHiTSDataset` as written: a `.iloc` window slice per sample, `.iloc` per label and weight."
    def __init__(self, df, anchors, cols):
        self.df, self.anchors, self.cols = df, anchors, cols
    def __len__(self): return len(self.anchors)
    def __getitem__(self, i):
        t = self.anchors[i]
        out = {'x': torch.FloatTensor(self.df.iloc[t - L + 1:t + 1][self.cols].values)}
        for h in HORIZONS:
            out[f'y_{h}'] = torch.LongTensor([self.df.iloc[t][f'label_{h}'] + 1])[0]
            out[f'w_{h}'] = torch.FloatTensor([self.df.iloc[t][f'weight_{h}']])[0]
        return out

class IlocWindows(torch.utils.data.Dataset):
    "The same with only the window by `.iloc` (on a float32 frame of the features alone), targets from numpy arrays."
    def __init__(self, X, anchors, y, w): self.X, self.anchors, self.y, self.w = X, anchors, y, w
    def __len__(self): return len(self.anchors)
    def __getitem__(self, i):
        t = self.anchors[i]
        return {'x': torch.from_numpy(self.X.iloc[t - L + 1:t + 1].to_numpy()), 'y': torch.from_numpy(self.y[t]), 'w': torch.from_numpy(self.w[t])}

def rate(make_loader, n_batches, repeats=3):
    "Median samples per CPU second of `n_batches` batches in steady state (after a fresh iterator's first batch)."
    def run():
        it = iter(make_loader()); next(it)
        t0 = time.process_time(); n = 0
        for b in itertools.islice(it, n_batches): n += len(b['x'] if isinstance(b, dict) else b[0]['encoder_cont'])
        return n / (time.process_time() - t0)
    return sorted(run() for _ in range(repeats))[repeats // 2]

def cpu(f, k=3): return median_time(f, k, time.process_time)[0]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', type=int, default=1_000_000); ap.add_argument('--features', type=int, default=50)
    ap.add_argument('--known', type=int, default=4); ap.add_argument('--pf-rows', type=int, default=100_000)
    ap.add_argument('--batches', type=int, default=200)
    a = ap.parse_args(); torch.set_num_threads(1); n_per = a.rows // 2
    warnings.filterwarnings('ignore', message='The given NumPy array is not writable')
    m, lab, lc = frames(n_per, a.features, a.known)
    t0 = time.process_time()
    ws = WindowSet(m, lab, lc, {'train': np.arange(len(m))}, lookback=L, horizons=HORIZONS)
    t_build = time.process_time() - t0
    nbytes = sum(x.nbytes for x in (ws.X, ws.known, *ws.targets.values()))
    print(f'{len(m):,} rows (2 symbols), F={ws.n_features}, K={ws.n_known}, L={L}, H={list(HORIZONS)}, batch {B}: '
          f'WindowSet built in {t_build:.2f} s CPU, arrays {nbytes / 2**20:.0f} MiB, {len(ws.anchors["train"]):,} training windows')

    cols, anchors = ws.columns['x'], ws.anchors['train']
    seed_df = pd.concat([m[cols], pd.DataFrame({f'label_{h}': lab[f'label_{h}'].fillna(0).astype(np.int64) for h in HORIZONS}),
                         pd.DataFrame({f'weight_{h}': lab[f'weight_{h}'].fillna(0) for h in HORIZONS})], axis=1)
    dl = lambda ds: torch.utils.data.DataLoader(ds, batch_size=B, shuffle=True, generator=torch.Generator().manual_seed(0))
    r_seed = rate(lambda: dl(SeedWindows(seed_df, anchors, cols)), 2, repeats=1)
    r_iloc = rate(lambda: dl(IlocWindows(m[cols], anchors, ws.targets['y'], ws.targets['w'])), 20)
    r_ours = rate(lambda: ws.loader('train', shuffle=True, batch_size=B), a.batches)
    r_seq = rate(lambda: ws.loader('train', shuffle=False, batch_size=B), a.batches)
    ws16 = WindowSet(m, lab, lc, {'train': np.arange(len(m))}, lookback=L, horizons=HORIZONS, dtype='float16')
    r_16 = rate(lambda: ws16.loader('train', shuffle=True, batch_size=B), a.batches)
    r_seq16 = rate(lambda: ws16.loader('train', shuffle=False, batch_size=B), a.batches)
    b16 = next(iter(ws16.loader('train', shuffle=True, batch_size=B)))
    def cast():
        for _ in range(a.batches): float32_inputs(b16)
    t_cast = cpu(cast)
    r_cast = a.batches * B / t_cast
    rng = np.random.default_rng(1)
    def x_only(w):
        for _ in range(a.batches): w._xw[rng.choice(anchors, B) - L + 1]
    t_x, t_x16 = cpu(lambda: x_only(ws)), cpu(lambda: x_only(ws16))
    nbytes_of = lambda b: sum(v.numel() * v.element_size() for v in b.values())
    bb, bb16 = nbytes_of(next(iter(ws.loader('train', batch_size=B)))), nbytes_of(b16)
    src = ws.X.reshape(-1).view(np.uint8)
    def copy_cold(nb):   # a contiguous copy of a batch's bytes from a part of the array not read lately
        nblk = len(src) // nb
        for i in range(a.batches): src[(i * 7919 % nblk) * nb:(i * 7919 % nblk + 1) * nb].copy()
    r_cp, r_cp16 = (a.batches * B / cpu(lambda: copy_cold(nb)) for nb in (bb, bb16))
    print(f'seed 001 Dataset as written:    {r_seed:12,.0f} samples/s   (.iloc window + 6 row .iloc per sample)')
    print(f'per-item .iloc window:          {r_iloc:12,.0f} samples/s   (only the window by .iloc, targets from numpy)')
    print(f'WindowSet, shuffled (training): {r_ours:12,.0f} samples/s   {r_ours / r_iloc:5.1f}x the .iloc window, '
          f'{r_ours / r_seed:,.0f}x seed 001 ({bb / 2**20:.1f} MiB per batch, all keys)')
    print(f'WindowSet, row order (eval):    {r_seq:12,.0f} samples/s   {r_seq / r_iloc:5.1f}x the .iloc window')
    print(f'  x gather alone, shuffled:     {a.batches * B / t_x:12,.0f} samples/s')
    print(f'  contiguous copy, batch bytes: {r_cp:12,.0f} samples/s   (for scale: one memcpy of as many bytes '
          f'from memory not in cache; shuffled loader at {r_ours / r_cp:.0%} of it)')
    print(f'float16 arrays (GPU studies):')
    print(f'WindowSet, shuffled (training): {r_16:12,.0f} samples/s   {r_16 / r_iloc:5.1f}x the .iloc window, {r_16 / r_ours:.2f}x float32')
    print(f'WindowSet, row order (eval):    {r_seq16:12,.0f} samples/s   {r_seq16 / r_iloc:5.1f}x the .iloc window')
    print(f'  x gather alone, shuffled:     {a.batches * B / t_x16:12,.0f} samples/s')
    print(f'  contiguous copy, batch bytes: {r_cp16:12,.0f} samples/s   ({bb16 / 2**20:.1f} MiB; shuffled loader at {r_16 / r_cp16:.0%} of it)')
    print(f'  float32 cast of x and known:  {r_cast:12,.0f} samples/s   (on a CPU the model pays it: loader + cast '
          f'{1 / (1 / r_16 + 1 / r_cast):,.0f} samples/s; on a GPU the cast runs on the device)')

    print(f'peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB, load average {os.getloadavg()[0]:.1f}')
    del seed_df, ws, ws16

    warnings.filterwarnings('ignore')
    from pytorch_forecasting import TimeSeriesDataSet
    n_pf = a.pf_rows // 2; Hmax = max(HORIZONS)
    sub = np.r_[0:n_pf, n_per:n_per + n_pf]
    mp, lp = m.iloc[sub].reset_index(drop=True), lab.iloc[sub].reset_index(drop=True)
    ws = WindowSet(mp, lp, lc[sub], {'train': np.arange(len(mp))}, lookback=L, horizons=HORIZONS)
    pf = mp.assign(time_idx=np.tile(np.arange(n_pf), 2), r_5=ws.targets['r'][:, 1])
    t0 = time.process_time()
    tsd = TimeSeriesDataSet(pf, time_idx='time_idx', target='r_5', group_ids=['symbol'], max_encoder_length=L, min_encoder_length=L,
                            max_prediction_length=Hmax, min_prediction_length=Hmax, time_varying_unknown_reals=ws.columns['x'],
                            time_varying_known_reals=ws.columns['known'])
    t_tsd = time.process_time() - t0
    r_pf = rate(lambda: tsd.to_dataloader(train=True, batch_size=B, num_workers=0), 10)
    r_ours2 = rate(lambda: ws.loader('train', shuffle=True, batch_size=B), a.batches)
    print(f'pytorch-forecasting TimeSeriesDataSet, {len(pf):,} rows (built in {t_tsd:.1f} s CPU, {len(tsd):,} samples): '
          f'{r_pf:,.0f} samples/s | WindowSet on the same rows: {r_ours2:,.0f} samples/s = {r_ours2 / r_pf:,.0f}x')

if __name__ == '__main__':
    main()
