"""A daily-bars study end to end: the shipped daily sample as vendors write it (nbs/01c_daily_sample.ipynb),
run with `tsresearch run configs/daily_test.yaml` once per test module (the `daily` fixture), then checked.

The sample: symbols aaa, bbb, ccc and ddd listed on different dates (ddd after the first training window
ends, so fold 0 cannot fit it: issue 11 item 4); aaa a date-only CSV with a 2:1 split in its
raw prices and an `Adj Close`; bbb a CSV stamped at the 16:00 New York close with dividends and two missing
days; ccc a parquet file indexed by New York midnights (an unnamed DatetimeIndex); file names `<sym>_daily.*`
read with the pattern `^([a-z]+)_daily`. Add checks of later stages as tests taking the `daily` fixture.
"""
import json, subprocess, sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np, pandas as pd, pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / 'configs' / 'daily_test.yaml'
SAMPLE = ROOT / 'data' / 'sample' / 'daily'
LISTED = {'aaa': '2019-01-02', 'bbb': '2019-03-29', 'ccc': '2019-08-07', 'ddd': '2020-09-01'}
SPLIT_DAY = '2019-12-30'   # aaa's 2:1 split (session 250 of the sample)

@pytest.fixture(scope='module')
def daily():
    "Run the daily study once (resuming stages that are current); its Study, ingest artifacts, summary and run output."
    from tsresearch.core import Study
    exe = str(Path(sys.executable).parent / 'tsresearch')
    r = subprocess.run([exe, 'run', str(CONFIG), '--resume'], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    study = Study.from_yaml(CONFIG)
    return SimpleNamespace(study=study, run=r, bars=study.load('ingest', 'bars'), quality=study.load('ingest', 'quality'),
                           summary=json.loads((Path(study.root) / 'reports' / 'summary.json').read_text()),
                           reports=ROOT / study.config.report.dir / study.config.name)

def _raw_dates(sym: str) -> list[str]:
    "Session dates as the vendor file writes them (date part of its own timestamps)."
    if sym == 'ccc': return pd.read_parquet(SAMPLE / 'ccc_daily.parquet').index.strftime('%Y-%m-%d').tolist()
    raw = pd.read_csv(SAMPLE / f'{sym}_daily.csv')
    return raw.iloc[:, 0].str[:10].tolist()

def test_run_completes(daily):
    assert daily.summary['best'], daily.summary
    assert (daily.reports / 'index.html').exists()

def test_symbols_from_file_name_pattern(daily):
    assert sorted(daily.bars['symbol'].unique()) == ['aaa', 'bbb', 'ccc', 'ddd']   # not 'aaa_daily'

def test_daily_timestamps_land_on_their_sessions(daily):
    # date-only (aaa), 16:00 New York close with offsets (bbb), New York midnights in a parquet index (ccc):
    # every row lands on the session its date names, as 00:00 UTC, and none is dropped as off-grid
    from tsresearch.calendars import session_grid
    q = pd.DataFrame(daily.quality['symbols']).set_index('symbol')
    assert (q['off_grid_dropped'] == 0).all(), q
    for sym, b in daily.bars.groupby('symbol'):
        real = b[~b['is_filled']]
        assert real['timestamp'].dt.strftime('%Y-%m-%d').tolist() == _raw_dates(sym), sym
        assert (b['timestamp'] == b['timestamp'].dt.normalize()).all(), sym
        assert str(b['timestamp'].iloc[0].date()) == LISTED[sym], sym
        grid = session_grid('XNYS', '1D', b['timestamp'].iloc[0], b['timestamp'].iloc[-1])
        assert b['timestamp'].tolist() == grid.tolist(), sym
    assert q.loc['bbb', 'filled'] == 2   # bbb's two missing days are filled, not shifted

def test_utc_midnights_land_on_their_sessions():
    # ddd is written at 00:00 UTC, 19:00/20:00 the evening before in New York
    from tsresearch.ingest import load_catalog, load_dataset
    cat = load_catalog(ROOT / 'data' / 'catalog.yaml')
    bars, _ = load_dataset(cat.datasets['daily_sample'], 'daily_sample', base=cat.base)
    ddd = bars[bars['symbol'] == 'ddd']
    assert ddd['timestamp'].dt.strftime('%Y-%m-%d').tolist() == _raw_dates('ddd')
    assert (ddd['timestamp'] == ddd['timestamp'].dt.normalize()).all()

def test_datetime_index_parquet_is_read(daily):
    files = {Path(f['file']).name: f for r in daily.quality['datasets'] for f in r['files']}
    assert files['ccc_daily.parquet']['rows'] == len(_raw_dates('ccc')) == 490

def test_split_is_adjusted(daily):
    aaa = daily.bars[daily.bars['symbol'] == 'aaa'].reset_index(drop=True)
    raw = pd.read_csv(SAMPLE / 'aaa_daily.csv')
    np.testing.assert_allclose(aaa['close'], raw['Adj Close'], rtol=1e-12)   # close x adj_close / close
    np.testing.assert_allclose((aaa['close'] * aaa['volume']), raw['Close'] * raw['Volume'], rtol=1e-9)   # dollar volume kept
    assert np.abs(np.diff(np.log(aaa['close']))).max() < 0.2
    suspects = next(q for q in daily.quality['symbols'] if q['symbol'] == 'aaa')['suspect_examples']
    assert not any('near' in s for s in suspects), suspects

def test_unadjusted_split_is_flagged(daily, tmp_path):
    # the same files without `adjust`: the split is a suspect move in the quality report, with its day and ratio
    from tsresearch.core import Study, parse_config
    from tsresearch.ingest import quality_table
    cfg = daily.study.config.model_dump(exclude={'root'})
    cfg['data']['datasets'] = ['daily_sample_raw']
    quality = Study(parse_config(cfg, root=ROOT), root=str(tmp_path / 'raw')).get('ingest')['quality']
    t = quality_table(quality)
    assert t.loc['aaa', 'suspect_moves'] >= 1
    flagged = [s for s in t.loc['aaa', 'suspect_examples'] if s.startswith(SPLIT_DAY)]
    assert flagged and 'near 1/2' in flagged[0] and 'x0.5' in flagged[0], t.loc['aaa', 'suspect_examples']

def test_daily_example_ingests(tmp_path):
    # the shipped daily example (configs/daily_example.yaml, GOOG from the `backtesting` package): every bar on a session
    from tsresearch.core import Study, load_config
    from tsresearch.ingest import quality_table
    cfg = load_config(ROOT / 'configs' / 'daily_example.yaml')
    quality = Study(cfg, root=str(tmp_path / 'example')).get('ingest')['quality']
    t = quality_table(quality)
    assert (t.loc['GOOG', 'bars'], t.loc['GOOG', 'off_grid_dropped'], quality['first'][:10]) == (2148, 0, '2004-08-19')

def test_symbol_listed_after_the_training_window_is_left_out_of_that_fold_with_its_reason(daily):
    # ddd lists after both folds' training windows end: each fold records why it cannot fit it, and fits the rest
    for k in (0, 1):
        use = pd.DataFrame(daily.study.load('features', 'params', fold=k)['usability']).set_index('symbol')
        assert not use.loc['ddd', 'used'], (k, use)
        assert 'absent from the training window' in use.loc['ddd', 'reason']
        assert use.drop('ddd')['used'].all(), (k, use)

def test_daily_known_covariates_come_from_the_session_date(daily):
    # no time-of-day terms, session fraction or crypto funding clock on daily bars; day of week from the session date
    raw = daily.study.load('features', 'raw')
    bad = [c for c in raw.columns if c.startswith(('sin_tod', 'cos_tod', 'session_frac', 'session_first', 'to_funding'))]
    assert bad == [], bad
    aaa = raw[raw['symbol'] == 'aaa']
    dow = aaa['timestamp'].dt.dayofweek
    np.testing.assert_allclose(aaa['sin_dow_1'], np.sin(2 * np.pi * dow / 7), atol=1e-6)

def test_daily_default_barriers_leave_most_labels_nonzero(daily):
    # pt/sl chosen by bar size (1 for daily bars): the 2-sigma intraday default left ~90% of daily labels at 0
    labels = daily.study.load('labels', 'labels')
    for h in daily.study.config.labels.horizons:
        assert (labels[f'label_{h}'] == 0).mean() < 0.6, h

def test_summary_opens_with_the_verdict_and_sets_strategies_against_buy_and_hold(daily):
    verdict = daily.summary['verdict']
    assert verdict.startswith(('no model x horizon has a significant walk-forward edge', 'significant')), verdict
    assert 'PBO' in verdict
    page = (daily.reports / 'index.html').read_text()
    assert page.index('id="verdict"') < page.index('Best model per horizon')      # the verdict comes first
    for text in ('buy_and_hold', 'excess_sharpe', 'exposure', 'active_bars', 'Against buy-and-hold', 'wAcc'):
        assert text in page, text

def test_inactive_strategies_get_no_dsr_and_are_never_best(daily):
    # at the default absolute threshold most daily strategies never trade: they are flagged, get no DSR, and none is best
    oos = daily.study.load('backtest', 'oos')
    idle = oos[oos['too_few']]
    assert idle['dsr'].isna().all() and idle['psr'].isna().all()
    assert (oos.loc[oos['never_traded'], 'active_bars'] == 0).all()
    best = {(b['model'], b['horizon']) for b in daily.summary['best']}
    assert not best & set(zip(idle['model'], idle['horizon'])), best
    assert all(b['active_bars'] >= daily.study.config.backtest.min_active_bars for b in daily.summary['best'])

def test_daily_backtest_trades_a_bar_late_and_shows_the_cost_of_immediacy(daily):
    met = daily.study.load('backtest', 'metrics', fold=0)
    models = met[met['model'] != 'buy_and_hold']          # the benchmark holds from the first bar, no signal to wait for
    assert len(models) and (models['delay_bars'] == 1).all()   # daily default: act after the signal bar's close
    assert 'sharpe_close' in met                          # the same strategy traded at the signal's own close

def test_leakage_audit_judges_permuted_twins_on_the_training_weights(daily):
    met = daily.study.load('models', 'lightgbm_permuted_metrics', fold=0)
    assert met['permutations'] == daily.study.config.report.audit_permutations
    assert daily.summary['audit']['permuted'] == 'pass'
