"""What pruning saves in wall time and costs in best value: one search, the same study, fold and seed, with
`tune.pruning` on and off.

Data: a study's fold (default configs/tune_smoke.yaml, fold 1; its artifacts are computed if missing). Per model of
--models: `60_tuning.search_model` with --trials trials on --inner-folds inner folds (WilcoxonPruner needs at least
5 to save any time at p < 0.1: see 60_tuning) and --epochs epochs per fit, each run in a fresh journal under a
temporary folder.
Prints, per model and in total, the wall and CPU seconds with and without pruning, their ratio, the trial states,
and the best inner-fold score of each (log loss: lower is better). CPU seconds (this process) are the steadier
figure on a shared machine. Run: .venv/bin/python bench/tuning.py
"""
import argparse, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import optuna
from tsresearch.core import Study, get_logger
from tsresearch.tuning import open_storage, search_model

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', default='configs/tune_smoke.yaml')
    ap.add_argument('--fold', type=int, default=1)
    ap.add_argument('--models', default='lstm,lightgbm')
    ap.add_argument('--trials', type=int, default=16)
    ap.add_argument('--inner-folds', type=int, default=6)
    ap.add_argument('--epochs', type=int, default=6)
    a = ap.parse_args()
    get_logger().setLevel('WARNING')
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = Study.from_yaml(a.config)
    labels, splits, windows = study.get('labels'), study.get('splits'), study.get('windows', a.fold)
    models = a.models.split(',')
    print(f'{study.config.name} fold {a.fold}: {len(windows.windows.anchors["train"])} training anchors, '
          f'{a.trials} trials, {a.inner_folds} inner folds, {a.epochs} epochs per fit, '
          f'seed {study.config.runtime.seed}')
    total = {}
    for name in models:
        row = {}
        for pruning in (True, False):
            tune = study.config.tune.model_copy(update=dict(models=models, n_trials=a.trials, inner_folds=a.inner_folds,
                                                            max_epochs=a.epochs, pruning=pruning, timeout_s=None))
            config = study.config.model_copy(update={'tune': tune})
            with tempfile.TemporaryDirectory() as d:
                t0, c0 = time.perf_counter(), time.process_time()
                entry, table = search_model(name, windows, labels, splits[a.fold], config, a.fold,
                                            open_storage(None, Path(d) / 'journal.log'), 'bench')
                row[pruning] = (time.perf_counter() - t0, time.process_time() - c0, entry)
        (on, c_on, e_on), (off, c_off, e_off) = row[True], row[False]
        total[name] = (on, off, c_on, c_off)
        print(f'{name:9s} pruning on: {on:6.1f} s wall, {c_on:6.1f} s CPU, best {e_on["value"]:.4f}, {e_on["trials"]}')
        print(f'{"":9s}        off: {off:6.1f} s wall, {c_off:6.1f} s CPU, best {e_off["value"]:.4f} | on/off wall '
              f'{on / off:.2f}, CPU {c_on / c_off:.2f}; best value on - off {e_on["value"] - e_off["value"]:+.4f}')
    on, off, c_on, c_off = (sum(v[i] for v in total.values()) for i in range(4))
    print(f'all models: pruning on {on:.1f} s wall / {c_on:.1f} s CPU, off {off:.1f} s / {c_off:.1f} s; '
          f'ratio on/off wall {on / off:.2f}, CPU {c_on / c_off:.2f}')

if __name__ == '__main__':
    main()
