"""TFT data path and training throughput (pytorch-forecasting's network fed from our windows).

1. Loader: samples/s of iterating `TimeSeriesDataSet.to_dataloader(batch_size=256)` against our path
   (a random batch gathered from `sliding_window_view`s of each symbol's contiguous array, then
   `tft_inputs`, which builds the dict the network's forward reads), same synthetic data:
   2 symbols x --rows rows, L=--lookback, F=--features, 2 known reals, Hmax=20.
2. Training: samples/s of full steps (our batch -> TFT -> heads -> multi-task loss -> backward ->
   AdamW) at L=128, F=30, horizons [1, 5, 20], 2 known reals, batch 256, hidden 32, with the data
   gather inside the timed loop; and a forward-only (inference) figure.
Run on one core: taskset -c 0 .venv/bin/python bench/tft.py [--rows 20000] [--threads 1]
Use one thread on a shared machine: with 2 intra-op threads on 2 loaded cores the small torch ops of
`tft_inputs` ran ~200x slower (OpenMP spin-waits), which measures the machine, not the data path.
"""
import argparse, time, warnings
import numpy as np, torch
warnings.filterwarnings('ignore')
from tsresearch.core import ModelsConfig
from tsresearch.models.base import ModelSpec, ForecastModule
from tsresearch.models.tft import TFTEncoder, loader_speed, window_batch_sampler

def train_throughput(L=128, F=30, K=2, horizons=(1, 5, 20), bs=256, hidden=32, steps=10, seed=0):
    rng = np.random.default_rng(seed); T = 20_000; Hm = max(horizons); H = len(horizons)
    X = rng.normal(size=(T, F)).astype(np.float32); Kn = rng.normal(size=(T, K)).astype(np.float32)
    spec = ModelSpec(lookback=L, n_features=F, horizons=list(horizons), n_known=K, hidden=hidden, dropout=0.1, params={'n_symbols': 64})
    m = ForecastModule(TFTEncoder(spec), spec, ModelsConfig()); opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    gen = window_batch_sampler(X, Kn, L, Hm, bs, seed)
    def batch():
        b = next(gen); g = torch.Generator().manual_seed(0)
        return b | {'y': torch.randint(0, 3, (bs, H), generator=g), 'w': torch.ones(bs, H), 'r': torch.randn(bs, H, generator=g) * 0.01,
                    'mask': torch.ones(bs, H, dtype=torch.bool)}
    def step():
        l = m._loss(batch())['loss']; opt.zero_grad(); l.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    m.train(); step(); step()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    t_train = (time.perf_counter() - t0) / steps
    m.eval()
    with torch.no_grad():
        m(batch()); t0 = time.perf_counter()
        for _ in range(steps): m(batch())
        t_inf = (time.perf_counter() - t0) / steps
    n_par = sum(p.numel() for p in m.parameters())
    return bs / t_train, bs / t_inf, t_train, n_par

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--rows', type=int, default=20_000); ap.add_argument('--lookback', type=int, default=64)
    ap.add_argument('--features', type=int, default=10); ap.add_argument('--threads', type=int, default=1); ap.add_argument('--steps', type=int, default=10)
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    s = loader_speed(n_rows=a.rows, lookback=a.lookback, n_features=a.features, n_batches=40)
    print(f"loader, 2 symbols x {a.rows:,} rows, L={a.lookback}, F={a.features}, K=2, Hmax=20, batch 256: "
          f"TimeSeriesDataSet {s['timeseriesdataset_per_s']:,.0f} samples/s | ours (gather + tft_inputs) {s['ours_per_s']:,.0f} samples/s | "
          f"speed-up {s['speedup']:.0f}x")
    tr, inf, t, n_par = train_throughput(steps=a.steps)
    print(f"TFT training, L=128, F=30, K=2, horizons [1, 5, 20], batch 256, hidden 32 ({n_par:,} parameters), {a.threads} thread(s): "
          f"{tr:,.0f} samples/s ({t * 1e3:.0f} ms/step, data gather included) | inference {inf:,.0f} samples/s")

if __name__ == '__main__': main()
