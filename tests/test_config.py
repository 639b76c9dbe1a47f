"""A config that cannot run fails at load, naming the key path: every bad-config case of issue 12 (item 11) in one table.

Each case is a YAML fragment merged into a minimal valid study, loaded with `load_config` as the CLI and the runner load it.
"""
import os, subprocess, sys, time
from pathlib import Path

import pytest
import yaml

from tsresearch.core import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
BASE = {'name': 't', 'data': {'datasets': ['synthetic_smoke']}}

BAD = [   # (id, section, values, key path, what the message says)
    ('no models', 'models', {'names': []}, 'models.names', 'at least 1 item'),
    ('unknown model', 'models', {'names': ['majority', 'lstn']}, 'models.names.1', "unknown model 'lstn'; did you mean 'lstm'?"),
    ('repeated model', 'models', {'names': ['lstm', 'lstm']}, 'models.names', 'distinct'),
    ('negative seed', 'runtime', {'seed': -1}, 'runtime.seed', 'greater than or equal to 0'),
    ('seed over 2**32-1', 'runtime', {'seed': 2**32}, 'runtime.seed', 'less than or equal to 4294967295'),
    ('quantile above 1', 'models', {'quantiles': [0.1, 1.5]}, 'models.quantiles', 'strictly between 0 and 1'),
    ('quantile 0', 'models', {'quantiles': [0.0, 0.5]}, 'models.quantiles', 'strictly between 0 and 1'),
    ('repeated quantile', 'models', {'quantiles': [0.5, 0.5]}, 'models.quantiles', 'differ in whole percents'),
    ('alpha per horizon', 'models', {'alpha': [1.0, 1.0]}, 'models.alpha', '2 weights for 3 horizons'),
    ('negative alpha', 'models', {'alpha': [1.0, -1.0, 1.0]}, 'models.alpha.1', 'greater than or equal to 0'),
    ('negative return lag', 'features', {'return_lags': [1, -5]}, 'features.return_lags.1', 'greater than or equal to 1'),
    ('zero in macd', 'features', {'macd': [12, 0, 9]}, 'features.macd.1', 'greater than or equal to 1'),
    ('macd fast after slow', 'features', {'macd': [26, 12, 9]}, 'features.macd', 'shorter than the slow span'),
    ('no vol windows', 'features', {'vol_windows': []}, 'features.vol_windows', 'at least 1 item'),
    ('negative cost multiplier', 'backtest', {'cost_multipliers': [1.0, -1.0]}, 'backtest.cost_multipliers.1', 'greater than or equal to 0'),
    ('unparseable start', 'data', {'datasets': ['x'], 'start': 'last tuesday'}, 'data.start', 'not a date or timestamp'),
    ('impossible end', 'data', {'datasets': ['x'], 'end': '2021-02-30'}, 'data.end', 'not a date or timestamp'),
    ('end before start', 'data', {'datasets': ['x'], 'start': '2022-01-01', 'end': '2021-01-01'}, 'data.end', 'before start'),
    ('absurd width', 'models', {'hidden': 100_000}, 'models.hidden', 'less than or equal to 4096'),
    ('absurd threads', 'runtime', {'threads': 10**9}, 'runtime.threads', 'less than or equal to 1024'),
    ('endless search', 'labels', {'search': {'n_trials': 10**9}}, 'labels.search.n_trials', 'less than or equal to 10000'),
    ('no search budget', 'labels', {'search': {'timeout_s': 0}}, 'labels.search.timeout_s', 'greater than 0'),
    ('param typo', 'models', {'params': {'lstm': {'layer': 2}}}, 'models.params.lstm.layer', "unknown param; did you mean 'layers'?"),
    ('params of no model', 'models', {'params': {'nhts': {'n_layers': 2}}}, 'models.params.nhts', "unknown model 'nhts'; did you mean 'nhits'?"),
    ('param of wrong type', 'models', {'params': {'lightgbm': {'n_estimators': 'many'}}}, 'models.params.lightgbm.n_estimators',
     "expected int, got 'many'"),
    ('stacking an unlisted model', 'ensemble', {'models': ['nhits']}, 'ensemble.models', 'not in models.names'),
    ('cpcv tests every group', 'splits', {'scheme': 'cpcv', 'cpcv_groups': 4, 'cpcv_test_groups': 4}, 'splits.cpcv_test_groups',
     'must be below splits.cpcv_groups = 4'),
]


def write(tmp_path, raw) -> Path:
    p = tmp_path / 'study.yaml'
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.mark.parametrize('section,values,key,says', [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_config_fails_at_load_naming_the_key(tmp_path, section, values, key, says):
    path = write(tmp_path, {**BASE, section: values})
    with pytest.raises(ConfigError) as e:
        load_config(path)
    line = next((l for l in str(e.value).splitlines() if l.startswith(f'{path}: {key}:')), None)
    assert line is not None, f'no line led by {key!r} in:\n{e.value}'
    assert says in line, line


@pytest.mark.parametrize('config', sorted((ROOT / 'configs').glob('*.yaml')), ids=lambda p: p.name)
def test_shipped_configs_still_load(config):
    load_config(config)


def test_yaml_dates_load_as_text(tmp_path):
    path = tmp_path / 'study.yaml'
    path.write_text('name: t\ndata: {datasets: [x], start: 2020-01-02, end: 2021-06-30 16:00:00}\n')   # YAML dates, unquoted
    cfg = load_config(path)
    assert (cfg.data.start, cfg.data.end) == ('2020-01-02', '2021-06-30T16:00:00')


def test_barrier_search_stops_at_its_time_budget():
    "labels.search.timeout_s is used: 10000 trials asked, the search ends after about a second of trials."
    from tsresearch.core import LabelsConfig
    from tsresearch.labeling import search_barriers
    from tsresearch.synthetic import synthetic_bars
    bars = synthetic_bars(symbols='ES', sessions=6, seed=0)
    cfg = LabelsConfig(horizons=[1, 5], vol_span=20, vol_min_periods=5, search={'n_trials': 10_000, 'timeout_s': 1.0})
    t0 = time.perf_counter()
    result = search_barriers(bars, cfg, bars['timestamp'].iloc[len(bars) // 2], seed=0)
    assert time.perf_counter() - t0 < 30
    assert 1 <= len(result['trials']) < 10_000


def test_models_check_is_remembered_by_child_processes(tmp_path):
    "The runner checks model names once; a stage kernel it starts, and a later command, do not import torch to repeat it."
    path = write(tmp_path, BASE)
    code = f'import sys; from tsresearch.core import load_config; load_config({str(path)!r}); print("torch" in sys.modules)'
    env = {k: v for k, v in os.environ.items() if k != 'TSRESEARCH_MODELS_CHECKED'} | {'XDG_CACHE_HOME': str(tmp_path / 'cache')}
    first = subprocess.run([sys.executable, '-c', code + '; import os; print(os.environ["TSRESEARCH_MODELS_CHECKED"])'],
                           capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    imported, memo = first.stdout.split()
    assert imported == 'True'                                   # checked against the registry: torch loaded
    child = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                           env={**env, 'TSRESEARCH_MODELS_CHECKED': memo}, timeout=300)
    assert child.returncode == 0 and child.stdout.split() == ['False'], child.stderr
    later = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300)
    assert later.returncode == 0 and later.stdout.split() == ['False'], later.stderr   # a later command: the per-user memo
    (tmp_path / 'cache' / 'tsresearch' / 'models-checked' / memo).unlink()
    again = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0 and again.stdout.split() == ['True'], again.stderr    # no memo: checked afresh


def test_every_model_reads_its_defaults_from_its_schema():
    "A model given its schema's defaults explicitly is the model built from no params: the schema lists the real defaults."
    import numpy as np, torch
    from tsresearch.models.base import ModelSpec, ToyData, load_models
    data = ToyData(n=192, lookback=16, n_features=4, horizons=(1, 5), n_known=2, batch_size=64)
    for name, cls in load_models().items():
        built = []
        for params in ({}, {k: v for k, v in cls.params_schema.items()}):
            spec = ModelSpec(**data.spec_kw, hidden=16, dropout=0.0, params=params)
            m = cls(spec)
            if hasattr(m, 'build'):
                m.build(seed=0)
                built.append({k: v.clone() for k, v in m.module.state_dict().items()})
            else:
                m.fit(data, seed=0, progress=False)
                built.append({'logits': torch.as_tensor(m.predict(data.val_dataloader()).logits)})
        assert built[0].keys() == built[1].keys(), name
        assert all(torch.equal(built[0][k], built[1][k]) for k in built[0]), name
