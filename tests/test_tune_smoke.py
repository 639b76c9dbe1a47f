"""`configs/tune_smoke.yaml` end to end (issue 14): LightGBM and the LSTM tuned on each fold's inner purged folds with
pruning, the tuned parameters trained, and the summary showing the search and the deflated Sharpe ratio's N with every
trial counted. About 3 min on 2 cores: `make test-scale` (CI, after `make test`) runs it with TSRESEARCH_SCALE=1."""
import json, os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not os.environ.get('TSRESEARCH_SCALE'), reason='scale-out: set TSRESEARCH_SCALE=1')


@pytest.fixture(scope='module')
def summary() -> dict:
    exe = str(Path(sys.executable).parent / 'tsresearch')
    r = subprocess.run([exe, 'run', 'configs/tune_smoke.yaml'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((ROOT / 'runs' / 'tune_smoke' / 'reports' / 'summary.json').read_text())


def test_every_fold_searched_with_pruning(summary):
    rows = summary['tuning']
    assert sorted((r['fold'], r['model']) for r in rows) == [(0, 'lightgbm'), (0, 'lstm'), (1, 'lightgbm'), (1, 'lstm')]
    assert all(r['trials'] == 6 and r['failed'] == 0 and r['objective'] == 'log_loss' for r in rows), rows
    assert sum(r['pruned'] for r in rows) >= 1, rows   # the LSTM's 6th trial is pruned within its fit on fold 1


def test_the_fold_models_train_with_the_searched_params(summary):
    for row in summary['tuning']:
        met = json.loads((ROOT / 'runs' / 'tune_smoke' / 'models' / f"fold_{row['fold']}" /
                          f"{row['model']}_metrics.json").read_text())
        best = json.loads((ROOT / 'runs' / 'tune_smoke' / 'tuning' / f"fold_{row['fold']}" / 'best.json').read_text())
        assert met['tuned'] == {'params': best[row['model']]['params'], 'trials': 6}


def test_n_counts_every_trial_and_the_page_shows_the_search(summary):
    t = summary['trials']
    assert t['tuned'] == {'lightgbm': 6, 'lstm': 6}
    untuned = len(t['rows']) - 2
    assert t['n_trials'] == (untuned + 6 + 6) * len(t['horizons']) * t['configs'] * t['barrier_trials']
    page = (ROOT / 'reports' / 'tune_smoke' / 'index.html').read_text()
    assert 'Hyperparameter search' in page and f"N = {t['n_trials']}" in page
    for k in (0, 1):
        search = (ROOT / 'reports' / 'tune_smoke' / f'fold_{k}' / '60_tuning.html').read_text()
        for model in ('lightgbm', 'lstm'):   # plotly figures of the search, offline
            assert f'fold {k}: {model}: optimisation history' in search and 'parameter importances' in search, k
