"""End-to-end tests of the `tsresearch` command as a user runs it (subprocess, exit codes, messages)."""
import json, os, subprocess, sys, zipfile, hashlib
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / 'tsresearch')

GOOD = 'timestamp,open,high,low,close,volume\n' + ''.join(
    f'2024-01-02 09:{30 + 5 * i:02d},10,11,9,10.5,{100 + i}\n' for i in range(6))

def run(*args, cwd=ROOT):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)

def test_validate_good_file(tmp_path):
    f = tmp_path / 'ES.csv'; f.write_text(GOOD.replace('09:45', '09:46'))   # one bar off the grid
    r = run('validate', f, '--timezone', 'America/New_York', '--symbol', 'ES', '--calendar', 'XNYS', '--freq', '5min', '--json')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s['rows'], s['symbols'], s['first'], s['off_grid'], s['filled']) == (6, ['ES'], '2024-01-02 14:30:00+00:00', 1, 1)

@pytest.mark.parametrize('edit,frag', [
    (lambda t: t.replace('10,11,9,10.5,102', '10,9.5,9,10.5,102'), "row 3: column 'high': high below"),
    (lambda t: t.replace('10,11,9,10.5,103', '10,11,9,10.5,-103'), "row 4: column 'volume'"),
    (lambda t: t.replace('2024-01-02 09:40', '2024-01-02 9h40'), "row 3: column 'timestamp': unparseable"),
    (lambda t: t.replace('close', 'clsoe'), "column 'close': missing column 'close' (did you mean 'clsoe'?)"),
    (lambda t: t.replace('10,11,9,10.5,101', 'nan,11,9,10.5,101'), "row 2: column 'open': not a finite number"),
])
def test_validate_bad_file_names_the_place(tmp_path, edit, frag):
    f = tmp_path / 'bad.csv'; f.write_text(edit(GOOD))
    r = run('validate', f, '--timezone', 'UTC', '--symbol', 'ES')
    assert r.returncode == 2
    assert str(f) in r.stderr and frag in r.stderr, r.stderr

def test_validate_zip_checksum(tmp_path):
    z = tmp_path / 'b.zip'
    with zipfile.ZipFile(z, 'w') as zf: zf.writestr('ES.csv', GOOD)
    assert run('validate', z, '--timezone', 'UTC', '--symbol-from-filename').returncode == 0
    r = run('validate', z, '--timezone', 'UTC', '--symbol-from-filename', '--sha256', '0' * 64)
    assert r.returncode == 2 and 'sha256 mismatch' in r.stderr

SMALL = ('splits: {n_folds: 2}\nmodels: {names: [majority, lightgbm], lookback: 16, params: {lightgbm: {n_estimators: 30}}}\n'
         'labels: {pt_mult: 1.0, sl_mult: 1.0}\n')

def _study(tmp_path, csv_text, extra=''):
    (tmp_path / 'bars.csv').write_text(csv_text)
    (tmp_path / 'catalog.yaml').write_text('datasets:\n  mine:\n    path: bars.csv\n    freq: 5min\n    calendar: XNYS\n'
                                           '    timezone: America/New_York\n    symbol: ES\n')
    cfg = tmp_path / 'study.yaml'
    cfg.write_text(f'name: t\ndata:\n  catalog: {tmp_path}/catalog.yaml\n  datasets: [mine]\n' + extra)
    return cfg

def test_ingest_then_cached(tmp_path):
    cfg = _study(tmp_path, GOOD)
    r = run('ingest', cfg); assert r.returncode == 0, r.stderr
    assert 'ES' in r.stdout
    art = tmp_path / 'runs' / 't' / 'ingest' / 'bars.parquet'
    ino = art.stat().st_ino
    assert run('ingest', cfg).returncode == 0
    assert art.stat().st_ino == ino                     # unchanged inputs: loaded, not rewritten
    (tmp_path / 'bars.csv').write_text(GOOD.replace('10.5,105', '10.6,105'))
    assert run('ingest', cfg).returncode == 0
    assert art.stat().st_ino != ino                     # changed input file: recomputed
    bad = GOOD.replace('10,11,9,10.5,102', '10,9.5,9,10.5,102')
    (tmp_path / 'bars.csv').write_text(bad); ino = art.stat().st_ino
    assert run('ingest', cfg).returncode == 2
    assert art.stat().st_ino == ino                     # failed validation writes nothing

def _session_csv(sessions=4, seed=0) -> str:
    "A few XNYS sessions of 5-minute bars as a user's CSV: New York local time, no symbol column."
    from tsresearch.synthetic import synthetic_bars
    b = synthetic_bars(symbols='ES', sessions=sessions, seed=seed)
    b['timestamp'] = b['timestamp'].dt.tz_convert('America/New_York').dt.strftime('%Y-%m-%d %H:%M')
    return b.drop(columns='symbol').to_csv(index=False)

def test_run_renders_report_resumes_and_reports_failure(tmp_path):
    text = _session_csv(sessions=6)
    cfg = _study(tmp_path, text, SMALL)
    r = run('run', cfg, '--folds', '1'); assert r.returncode == 0, r.stderr + r.stdout
    rep = tmp_path / 'reports' / 't'
    for stage, title in [('01_ingest.html', 'Ingest'), ('04_splits.html', 'Splits'), ('fold_1/03_features.html', 'Features'),
                         ('fold_1/15_train.html', 'Training a fold')]:
        page = (rep / stage).read_text()
        assert 'plotly' in page and title in page, stage
    assert not (rep / 'fold_0').exists()                      # --folds 1 ran fold 1 only
    assert (rep / 'index.html').exists()
    r = run('run', cfg, '--folds', '1', '--resume'); assert r.returncode == 0, r.stderr
    assert 'resumed' in r.stdout, r.stdout                     # nothing changed: every stage skipped
    lines = text.splitlines(); f = lines[3].split(',')         # data row 3: high below low
    lines[3] = ','.join([f[0], f[1], str(float(f[3]) - 1), *f[3:]])
    cfg = _study(tmp_path, '\n'.join(lines) + '\n', SMALL)
    r = run('run', cfg)
    assert r.returncode == 1 and 'FAILED 01_ingest' in r.stderr, r.stderr
    index = (rep / 'index.html').read_text()
    assert 'FAILED' in index and 'OHLCError' in index and "row 3" in index

def test_run_too_short_to_label_says_why(tmp_path):
    r = run('run', _study(tmp_path, GOOD))                 # 6 bars: ingest runs; no bar can be labelled
    assert r.returncode == 1 and 'FAILED 02_labeling' in r.stderr, r.stderr
    assert 'no symbol has a label' in r.stderr and 'shorter than the volatility warm-up' in r.stderr, r.stderr


# --- misuse: one `error:` line and exit 2, never a traceback (issue 12, item 12) ---

def _one_error_line(r, frag):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: ') and frag in lines[0], r.stderr


@pytest.mark.parametrize('args,frag', [
    (lambda t, cfg: ['run', t], 'not a file'),                                   # a directory as the config
    (lambda t, cfg: ['run', t / 'binary.yaml'], 'not a text file'),              # a binary config
    (lambda t, cfg: ['ingest', t / 'binary.yaml'], 'not a text file'),
    (lambda t, cfg: ['run', cfg, '--folds', 'x'], "argument --folds: expected fold numbers such as 0,2, got 'x'"),
    (lambda t, cfg: ['run', cfg, '--folds', ''], "argument --folds: expected fold numbers such as 0,2, got ''"),
    (lambda t, cfg: ['run', cfg, '--folds', '0,0'], "fold 0 given twice in '0,0'"),
    (lambda t, cfg: ['run', cfg, '--folds', '7'], "--folds 7: study 't'"),                      # the study has folds 0..1
    (lambda t, cfg: ['run', cfg, '--jobs', '0'], 'argument --jobs: expected a whole number >= 1'),
    (lambda t, cfg: ['run', cfg, '--address', 'auto'], "--address 'auto' joins a Ray cluster, but folds run locally"),
    (lambda t, cfg: ['run', cfg, '--executor', 'dask'], "argument --executor: invalid choice: 'dask'"),
    (lambda t, cfg: ['validate', t / 'missing.csv'], 'missing.csv: no such file'),
    (lambda t, cfg: ['validate', t], 'a directory, not a bars file'),
    (lambda t, cfg: ['validate', t / 'bars.csv', '--calendar', 'XNYS'], '--calendar and --freq go together'),
    (lambda t, cfg: ['frobnicate'], "argument cmd: invalid choice: 'frobnicate'"),
], ids=['dir-config', 'binary-config', 'binary-ingest', 'folds-x', 'folds-empty', 'folds-twice', 'folds-7', 'jobs-0',
        'address-without-ray', 'executor-dask',
        'validate-missing', 'validate-dir', 'calendar-without-freq', 'unknown-command'])
def test_misuse_is_one_error_line_exit_2(tmp_path, args, frag):
    cfg = _study(tmp_path, _session_csv(sessions=2), SMALL)
    (tmp_path / 'binary.yaml').write_bytes(bytes(range(256)) * 4)
    r = run(*args(tmp_path, cfg))
    _one_error_line(r, frag)
    assert not (tmp_path / 'runs').exists() and not (tmp_path / 'reports').exists()   # refused before any stage ran


@pytest.mark.parametrize('module', ['tsresearch', 'tsresearch.cli'])
def test_python_dash_m_runs_the_cli(tmp_path, module):
    r = subprocess.run([sys.executable, '-m', module, 'validate', str(tmp_path / 'missing.csv')], capture_output=True, text=True,
                       cwd=ROOT, timeout=300)
    _one_error_line(r, 'no such file')                     # it used to print nothing and exit 0
    f = tmp_path / 'ES.csv'; f.write_text(GOOD)
    r = subprocess.run([sys.executable, '-m', module, 'validate', str(f), '--timezone', 'UTC', '--symbol', 'ES', '--json'],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0 and json.loads(r.stdout)['rows'] == 6, r.stderr


def test_validate_takes_the_catalogs_options(tmp_path):
    "--timestamp-format, --column renames and --symbol-column, as the catalog's timestamp_format, columns and symbol_column."
    f = tmp_path / 'eu.csv'
    f.write_text('When,Ticker,Open,High,Low,Last,Volume\n' + ''.join(
        f'02.01.2024 09:{30 + 5 * i:02d},ES,10,11,9,10.5,{100 + i}\n' for i in range(6)))
    r = run('validate', f, '--timezone', 'America/New_York', '--json')
    _one_error_line(r, "missing columns 'timestamp'")
    r = run('validate', f, '--timezone', 'America/New_York', '--json', '--timestamp-format', '%d.%m.%Y %H:%M',
            '--column', 'When=timestamp', '--column', 'Last=close', '--symbol-column', 'Ticker')
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s['rows'], s['symbols'], s['first']) == (6, ['ES'], '2024-01-02 14:30:00+00:00')
    r = run('validate', f, '--timezone', 'America/New_York', '--timestamp-format', '%Y-%m-%d %H:%M',
            '--column', 'When=timestamp', '--column', 'Last=close', '--symbol-column', 'Ticker')
    _one_error_line(r, "unparseable timestamp '02.01.2024 09:30' (format '%Y-%m-%d %H:%M')")
    _one_error_line(run('validate', f, '--column', 'Last'), 'expected SOURCE=NAME')


@pytest.mark.parametrize('edit,args,flag,catalog_key', [
    (lambda t: t, ['--symbol', 'ES'], 'no --timezone was given', "'timezone'"),
    (lambda t: t + t.splitlines()[1] + '\n', ['--symbol', 'ES', '--timezone', 'UTC'], '(--repair drops them)', 'repair: true'),
])
def test_validate_hints_name_its_own_flags(tmp_path, edit, args, flag, catalog_key):
    f = tmp_path / 'ES.csv'; f.write_text(edit(GOOD))
    r = run('validate', f, *args)
    _one_error_line(r, flag)
    assert catalog_key not in r.stderr and 'catalog' not in r.stderr


def test_flag_hints_track_ingest_messages():
    "Each catalog phrase `validate` translates still occurs in ingest: a reworded message would otherwise slip through."
    import inspect
    import tsresearch.ingest
    from tsresearch.cli import _FLAG_HINTS
    source = inspect.getsource(tsresearch.ingest)
    assert all(phrase in source for phrase in _FLAG_HINTS)
