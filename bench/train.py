"""Training and inference throughput of every registered deep model, and whether data or compute dominates.

Synthetic fold (`bench/windows.py`'s frames): 2 symbols x --rows rows, F observed features, K known covariates,
labels at horizons 1, 5, 20; batches of 256 windows of L bars from `WindowSet.loader('train', shuffle=True)`.
Per model (hidden --hidden, the models' default params), on --device (cpu, or cuda when there is one):
- data: seconds per batch of the shuffled loader, plus the host-to-device copy on a GPU (windows stored as --dtype:
  auto is what the `windows` stage picks, float16 on a GPU and float32 on a CPU);
- train: seconds per full step on an already gathered batch (forward, multi-task loss, backward, clipping, AdamW;
  under bf16 autocast on a GPU, as the Trainer's bf16-mixed precision runs it);
- samples/s of training with the loader in the loop = 256 / (data + train), the data share of that time;
- inference samples/s (forward only, eval mode); peak GPU memory on cuda.
Medians over --steps steps after 2 warm-up steps. Run on one core: taskset -c 0 .venv/bin/python bench/train.py
"""
import argparse, time, warnings
import numpy as np, torch
warnings.filterwarnings('ignore')
from windows import frames, HORIZONS
from tsresearch.core import ModelsConfig
from tsresearch.models.base import ModelSpec, MODELS, load_models
from tsresearch.windows import WindowSet, window_dtype

def timed(f, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return float(np.median(out))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', type=int, default=200_000); ap.add_argument('--features', type=int, default=50)
    ap.add_argument('--known', type=int, default=4); ap.add_argument('--lookback', type=int, default=128)
    ap.add_argument('--hidden', type=int, default=64); ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu'); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--models', default=None, help='comma-separated registry names (default: every deep model)')
    ap.add_argument('--dtype', default='auto', choices=['auto', 'float32', 'float16'])
    a = ap.parse_args(); torch.set_num_threads(a.threads); dev = torch.device(a.device)
    dtype = window_dtype(a.dtype, dev)
    m, lab, lc = frames(a.rows // 2, a.features, a.known)
    ws = WindowSet(m, lab, lc, {'train': np.arange(len(m))}, lookback=a.lookback, horizons=HORIZONS, dtype=dtype)
    load_models()
    names = a.models.split(',') if a.models else [n for n, c in MODELS.items() if c.flags.get('torch')]
    print(f'{len(m):,} rows, F={ws.n_features}, K={ws.n_known}, L={a.lookback}, H={list(HORIZONS)}, batch 256, hidden {a.hidden}, '
          f'windows {dtype}, device {dev}' + (f' ({torch.cuda.get_device_name(dev)})' if dev.type == 'cuda' else f', {a.threads} thread(s)'))
    it = iter(ws.loader('train', shuffle=True, batch_size=256, seed=0)); next(it)
    def data():
        b = next(it)
        if dev.type == 'cuda':
            b = {k: v.pin_memory().to(dev, non_blocking=True) for k, v in b.items()}; torch.cuda.synchronize()
        return b
    t_data = timed(data, max(a.steps, 10))
    print(f'{"model":10s} {"params":>9s} {"data ms":>8s} {"train ms":>9s} {"train /s":>9s} {"data share":>10s} {"infer /s":>10s}' + ('  peak GiB' if dev.type == 'cuda' else ''))
    for name in names:
        cls = MODELS[name]
        params = {'feature_names': list(ws.columns['x']), 'known_names': list(ws.columns['known'])} if cls.flags.get('interpretable') else {}
        spec = ModelSpec(**ws.spec_kw | {'n_tokens': 0}, hidden=a.hidden, params=params)
        mod = cls(spec, ModelsConfig(hidden=a.hidden)).build(0).to(dev)
        opt = torch.optim.AdamW(mod.parameters(), lr=1e-3); b = data()
        sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
        if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
        amp = lambda: torch.autocast('cuda', torch.bfloat16, enabled=dev.type == 'cuda')
        def step():
            with amp(): loss = mod._loss(b)['loss']
            opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(mod.parameters(), 1.0); opt.step(); sync()
        mod.train(); step(); step(); t_train = timed(step, a.steps)
        mod.eval()
        with torch.no_grad():
            def infer():
                with amp(): mod(b)
                sync()
            infer(); t_inf = timed(infer, a.steps)
        n_par = sum(p.numel() for p in mod.parameters())
        peak = f'  {torch.cuda.max_memory_allocated(dev) / 2**30:8.2f}' if dev.type == 'cuda' else ''
        print(f'{name:10s} {n_par:9,d} {t_data * 1e3:8.1f} {t_train * 1e3:9.1f} {256 / (t_data + t_train):9,.0f} {t_data / (t_data + t_train):10.1%} '
              f'{256 / t_inf:10,.0f}{peak}', flush=True)

if __name__ == '__main__': main()
