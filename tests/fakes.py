"""A study's artifacts in the shapes the stages write, without running the stages: random probabilities with a
planted edge, labels, model metrics, ensemble predictions and backtest returns, trades and metrics, stored through
stand-in stages (`Study(..., stages=...)`), so that the Study's test of current holds for them as for real ones.

For the tests of the pages: `nbs/40_reports.ipynb` and `nbs/41_summary.ipynb` (a hidden cell puts this folder on
`sys.path`), `tests/test_reports_browser.py` and `tests/test_runner.py`. Not part of the library.
"""
import numpy as np
import pandas as pd

from tsresearch.core import Stage, Study, parse_config
from tsresearch.evaluate import frame_metrics, frame_scores, prediction_rows


def fake_labels(ts, symbols, horizons, rng) -> pd.DataFrame:
    "Labels of `02_labeling`'s shape: -1/0/1 per horizon, end times, flat labels weighing little."
    lab = pd.concat([pd.DataFrame({'symbol': s, 'timestamp': ts}) for s in symbols], ignore_index=True)
    for h in horizons:
        lab[f'label_{h}'] = pd.array(rng.choice([-1, 0, 1], len(lab), p=[.35, .3, .35]), dtype='Int8')
        lab[f't1_{h}'] = lab.timestamp + pd.Timedelta(minutes=5 * h)
        lab[f'weight_{h}'] = np.where(lab[f'label_{h}'] == 0, 0.2, 1.0)
    return lab


def fake_predictions(lab, fold, model, horizons, rng, part='test', edge=0.5) -> pd.DataFrame:
    "A model's tidy predictions on the rows of `lab`: random logits, the true class's raised by `edge`."
    out = []
    for h in horizons:
        z = rng.normal(size=(len(lab), 3))
        z[np.arange(len(lab)), lab[f'label_{h}'].astype(int).to_numpy() + 1] += edge
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        q = rng.normal(0, 1e-3, (len(lab), 1)) + np.array([-2e-3, 0, 2e-3])
        quantiles = {'q_10': q[:, 0], 'q_50': q[:, 1], 'q_90': q[:, 2]}
        out.append(prediction_rows(lab, fold, model, h, p, quantiles, part))
    return pd.concat(out, ignore_index=True)


def fake_metrics(pred, lab, rng) -> dict:
    "A model's metrics JSON, as `15_train` writes it (and a permuted twin's audit scores, as the `audit` stage does)."
    out = frame_metrics(pred, lab)
    by_h = out['metrics']['test']
    out |= {'temperature': {h: 1.0 for h in by_h}, 'device': 'cpu', 'fit': {},
            'timing': {'train_s': float(rng.uniform(1, 5)), 'predict_s': 0.1,
                       'inference_per_s': float(rng.uniform(1e3, 1e4))}}
    if pred.model.iloc[0].endswith('_permuted'):
        out |= {'audit': {h: [frame_scores(pred, lab, int(h))] for h in by_h}, 'permutations': 1}
    return out


def fake_backtest(ts, symbols, fold, model, horizons, rng):
    "Backtest returns (per symbol and the portfolio), trades and metrics rows of one model on bars `ts`."
    rets, trades, rows = [], [], []
    for h in horizons:
        for s in list(symbols) + ['portfolio']:
            pos = np.sign(rng.normal(size=len(ts)))
            gross = pos * rng.normal(2e-5, 1e-3, len(ts))
            cost = np.abs(np.diff(pos, prepend=0)) * 1e-4
            rets.append(pd.DataFrame({'timestamp': ts, 'model': model, 'horizon': h, 'symbol': s, 'position': pos,
                                      'gross': gross, 'cost': cost, 'net': gross - cost}))
            for c in (0.0, 1.0, 2.0):
                rows.append(dict(model=model, horizon=h, symbol=s, cost_mult=c,
                                 total_return=float(rng.normal(.02, .05)), annual_return=float(rng.normal(.1, .2)),
                                 sharpe=float(rng.normal(.5, .5)), sortino=.7, calmar=.5,
                                 max_drawdown=float(-rng.uniform(.01, .2)), trades=20, win_rate=.5,
                                 profit_factor=1.1, turnover=3.0, exposure=.8, psr=float(rng.uniform()),
                                 dsr=float(rng.uniform()), n_trials=12))
        n = 20
        t0 = ts[rng.integers(0, len(ts) - 10, n)]
        r = rng.normal(1e-4, 2e-3, n)
        trades.append(pd.DataFrame({'model': model, 'horizon': h, 'symbol': rng.choice(list(symbols), n),
                                    'entry_time': t0, 'exit_time': t0 + pd.Timedelta(minutes=25),
                                    'direction': rng.choice([-1, 1], n), 'pnl': r * 1e4, 'return': r}))
    return rets, trades, rows


def write_synthetic_artifacts(study: Study, n_folds: int = 2, n_bars: int = 600, models=('majority', 'lightgbm'),
                              horizons=(1, 5), symbols=('AAA', 'BBB'), permuted: bool = True,
                              permuted_edge: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Give `study` stand-in stages for labels, models, the audit, the ensemble and the backtest that return
    synthetic results of the stages' shapes, and store them as the stages would, with the walk-forward record
    (the real stage, over the stand-in backtests); return the labels. `n_folds` is at most the config's fold count."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2024-01-01', periods=n_bars * n_folds, freq='5min', tz='UTC')
    lab = fake_labels(ts, symbols, horizons, rng)
    audited = models[-1]
    names = list(models) + ([f'{audited}_permuted'] if permuted else [])
    trained, audit, ensembles, backtests = {}, {}, {}, {}
    for k in range(n_folds):
        tk = ts[k * n_bars:(k + 1) * n_bars]
        lk = lab[lab.timestamp.isin(tk)]
        trained[k] = {}
        for m in names:
            p = fake_predictions(lk, k, m, horizons, rng, edge=permuted_edge if m.endswith('permuted') else 0.5)
            result = {'predictions': p, 'metrics': fake_metrics(p, lab, rng)}
            if m.endswith('_permuted'):
                audit[k] = {'permuted_predictions': p, 'permuted_metrics': result['metrics']}
            else: trained[k][m] = result
        ensembles[k] = pd.concat([fake_predictions(lk, k, e, horizons, rng) for e in ('stack', 'average')],
                                ignore_index=True)
        rets, trades, rows = [], [], []
        for m in names + ['stack', 'average', 'buy_and_hold']:
            r, t, w = fake_backtest(tk, symbols, k, m, horizons, rng)
            rets += r
            trades += t
            rows += w
        backtests[k] = {'metrics': pd.DataFrame(rows), 'returns': pd.concat(rets, ignore_index=True),
                       'trades': pd.concat(trades, ignore_index=True)}
    study.stages.update({
        'labels': Stage('labels', lambda: lab),
        'models': Stage('models', lambda fold, item: trained[fold][item], per_fold=True,
                        items=lambda config: list(models), outputs=('predictions', 'metrics')),
        'ensemble': Stage('ensemble', lambda models, fold: {'predictions': ensembles[fold], 'metrics': {}},
                          needs=('models',), per_fold=True, outputs=('predictions', 'metrics')),
        'backtest': Stage('backtest', lambda models, ensemble, fold: backtests[fold], needs=('models', 'ensemble'),
                          config=('backtest',), per_fold=True, outputs=('metrics', 'returns', 'trades'))})
    if permuted:
        study.stages['audit'] = Stage('audit', lambda fold, item: audit[fold], per_fold=True, store='models',
                                      items=lambda config: [audited],
                                      outputs=('permuted_predictions', 'permuted_metrics'))
    study.get('labels')
    for k in range(n_folds):
        for name in ('audit', 'backtest') if permuted else ('backtest',): study.get(name, k)
    study.get('walk_forward')   # the stitched record and PBO of these returns, as the runner makes them
    return lab


def fake_study(root, name: str = 'fake', **kw) -> tuple[Study, pd.DataFrame]:
    "A two-fold study under `root` (its runs and reports inside) with synthetic artifacts; the study and its labels."
    cfg = parse_config({'name': name, 'data': {'datasets': ['a']}, 'labels': {'horizons': [1, 5]},
                        'splits': {'n_folds': 2, 'embargo_bars': 2}, 'report': {'max_points': 200},
                        'runtime': {'runs_dir': f'{root}/runs'}}, root=root)
    study = Study(cfg)
    return study, write_synthetic_artifacts(study, **kw)
