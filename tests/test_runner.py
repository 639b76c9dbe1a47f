"""The runner and the store under misuse: damaged artifacts, stale folds, `--folds`, kills, two runs at once, a second checkout.

The runner tests work on a copy of the smoke study (`make test` runs it first) in a second project folder,
so they never touch `runs/smoke` itself; the copy also checks that a moved project resumes.
"""
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tsresearch.core import Study, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / 'tsresearch')
SMOKE = ROOT / 'runs' / 'smoke'


def _flip_byte(p: Path, at: int = 200):
    b = bytearray(p.read_bytes()); b[at] ^= 0xFF; p.write_bytes(bytes(b))


# ---- the summary over folds (synthetic artifacts: seconds) ----

def _synthetic(tmp_path, **backtest):
    from fakes import write_synthetic_artifacts
    st = Study(parse_config({'name': 'syn', 'data': {'datasets': ['x']}, 'backtest': backtest}, root=tmp_path))
    return st, write_synthetic_artifacts(st, n_folds=3, n_bars=200)


def test_summary_leaves_out_a_damaged_fold_and_says_so(tmp_path):
    from tsresearch.summary import write_summary
    st, lab = _synthetic(tmp_path)
    bad = Path(st.root) / 'models' / 'fold_1' / 'lightgbm_predictions.parquet'
    _flip_byte(bad)
    page = write_summary(st, [], labels=lab).read_text()
    rec = st.load('reports', 'summary')
    assert rec['folds'] == [0, 2]                                   # not [0, 1, 2] with fold 1's model quietly missing
    damaged = str(bad.with_suffix('')) + ': damaged'                # the Study's reason, naming the artifact
    assert any(damaged in s and 'fold 1 left out' in s for s in rec['left_out']), rec['left_out']
    assert 'Left out of this summary' in page and 'fold 1 left out' in page
    from tsresearch.summary import study_table, summarise
    assert set(summarise(study_table(st, rec['folds'], lab)).folds) == {2}


def test_try_load_tells_damaged_from_absent(tmp_path):
    from tsresearch.core import ArtifactError
    from tsresearch.reports import try_load
    st, _ = _synthetic(tmp_path)
    assert try_load(st, 'models', 'nothing_here', 0) is None
    p = Path(st.root) / 'backtest' / 'fold_0' / 'returns.parquet'
    _flip_byte(p)
    with pytest.raises(ArtifactError, match=str(p)): try_load(st, 'backtest', 'returns', 0)


def test_summary_leaves_out_stale_folds(tmp_path):
    "backtest.threshold changed, then only fold 0 re-backtested: folds 1-2 (old threshold) are not stitched in, and the banner says so."
    from tsresearch.summary import write_summary
    st, lab = _synthetic(tmp_path)                                  # three folds backtested, stitched at the old threshold
    new = Study(parse_config({'name': 'syn', 'data': {'datasets': ['x']}, 'backtest': {'threshold': 0.3}}, root=tmp_path),
                stages=st.stages)
    new.get('backtest', 0)                                          # only fold 0 backtested again, at the new one
    page = write_summary(new, [], labels=lab).read_text()
    rec = new.load('reports', 'summary')
    assert rec['folds'] == [0]
    assert [s[:16] for s in rec['left_out'][:2]] == ['fold 1 left out:', 'fold 2 left out:'] and 'stale' in rec['left_out'][0]
    assert any(s.startswith('walk-forward record left out') for s in rec['left_out'])   # it was stitched from the old folds
    assert 'id="oos"' not in page
    assert new.get('walk_forward')['pbo']['folds'] == [0]        # the default record: current folds only


def test_retrain_keeps_only_current_lightning_logs(tmp_path):
    from tsresearch.core import ModelsConfig
    from tsresearch.models.base import make_trainer
    for old in ('csv/version_0', 'tb/version_0', 'checkpoints'):
        (tmp_path / old).mkdir(parents=True); (tmp_path / old / 'x').write_text('old')
    make_trainer(ModelsConfig(), tmp_path, progress=False)
    assert not any((tmp_path / old / 'x').exists() for old in ('csv/version_0', 'tb/version_0', 'checkpoints'))


# ---- the runner on a copy of the smoke study ----

def _project(tmp_path, package: bool = False) -> Path:
    "A second project folder: settings, the smoke config, the data (linked), and optionally its own notebooks and package."
    proj = tmp_path / 'proj'
    (proj / 'configs').mkdir(parents=True)
    shutil.copy(ROOT / 'settings.ini', proj)
    shutil.copy(ROOT / 'configs' / 'smoke.yaml', proj / 'configs')
    (proj / 'data').symlink_to(ROOT / 'data')
    if package:
        shutil.copytree(ROOT / 'tsresearch', proj / 'tsresearch', ignore=shutil.ignore_patterns('__pycache__'))
        shutil.copytree(ROOT / 'nbs', proj / 'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_*'))
    return proj


@pytest.fixture
def smoke_copy(tmp_path):
    if not (SMOKE / 'fold_1' / '40_reports.done.json').exists(): pytest.skip('needs the smoke study: `tsresearch run configs/smoke.yaml` first')
    proj = _project(tmp_path)
    shutil.copytree(SMOKE, proj / 'runs' / 'smoke', ignore=shutil.ignore_patterns('.lock'))
    shutil.copytree(ROOT / 'reports' / 'smoke', proj / 'reports' / 'smoke')
    return proj


def _by_stage(results):
    return {(r['stage'], r['fold']): r for r in results}


def test_resume_recomputes_a_damaged_artifact(smoke_copy):
    from tsresearch.runner import run_study
    st = Study(load_config(smoke_copy / 'configs' / 'smoke.yaml'))
    again = lambda: _by_stage(run_study(smoke_copy / 'configs' / 'smoke.yaml', stages=['15_train', '20_ensemble'], folds=[0], resume=True, progress=False))
    assert all(r.get('skipped') for r in again().values())          # intact (and the project moved): resumed
    bad = Path(st.root) / 'models' / 'fold_0' / 'lightgbm_predictions.parquet'
    before = st.manifest('models', 'lightgbm_predictions', 0)['sha256']
    _flip_byte(bad)
    res = again()
    assert res[('15_train', 0)]['ok'] and not res[('15_train', 0)].get('skipped')   # not trusted on its marker
    st.verify('models', 'lightgbm_predictions', 0)                                   # intact again
    assert st.manifest('models', 'lightgbm_predictions', 0)['sha256'] == before    # retrained to the same bytes
    assert not res[('20_ensemble', 0)].get('skipped')   # what follows runs again: the model's metrics carry new timings
    rec = st.load('reports', 'summary')      # fold 0's backtest was made from the model's old result: not stitched
    assert rec['folds'] == [1] and 'fold 0 left out' in rec['left_out'][0] and 'inputs changed' in rec['left_out'][0]


def test_folds_runs_only_those_folds_and_a_moved_project_resumes(smoke_copy):
    "`--folds 0` after fold 1's backtest is gone: fold 0 resumes (the project moved), nothing backtests fold 1 outside a stage."
    from tsresearch.runner import notebook_plan, run_study
    st = Study(load_config(smoke_copy / 'configs' / 'smoke.yaml'))
    shutil.rmtree(Path(st.root) / 'backtest' / 'fold_1')
    fold_notebooks = [n for n, phase in notebook_plan() if phase == 'fold']
    res = run_study(smoke_copy / 'configs' / 'smoke.yaml', stages=fold_notebooks, folds=[0], resume=True, progress=False)
    assert all(r['ok'] and r.get('skipped') for r in res), [(r['stage'], r.get('skipped'), r.get('error')) for r in res]
    assert not (Path(st.root) / 'backtest' / 'fold_1').exists()
    rec = st.load('reports', 'summary')
    assert rec['folds'] == [0] and rec['left_out'][0].startswith('fold 1 left out:') and 'no artifact' in rec['left_out'][0]
    assert st.load('backtest', 'pbo')['folds'] == [0]


def _kernel_files(d: Path):
    return sorted(p for p in d.rglob('*') if p.name.startswith('k-'))


def test_two_runs_at_once_refuse_and_sigterm_clears_the_kernels(smoke_copy, tmp_path):
    tmp = tmp_path / 'tmp'; tmp.mkdir()
    env = os.environ | {'TMPDIR': str(tmp)}
    cfg = smoke_copy / 'configs' / 'smoke.yaml'
    first = subprocess.Popen([EXE, 'run', str(cfg)], env=env, cwd=smoke_copy, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not _kernel_files(tmp) and time.time() < deadline and first.poll() is None: time.sleep(0.2)
        conn = [p for p in _kernel_files(tmp) if p.suffix == '.json']
        assert conn, f'no kernel connection file under the run folder in {tmp}: {list(tmp.rglob("*"))}'
        second = subprocess.run([EXE, 'run', str(cfg)], env=env, cwd=smoke_copy, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and f'study smoke is already running (pid {first.pid} on' in second.stderr, second.stderr
        first.send_signal(signal.SIGTERM)
        first.wait(60)
    finally:
        if first.poll() is None: first.kill()
    assert first.returncode == 128 + signal.SIGTERM
    assert list(tmp.iterdir()) == []                                  # no connection files, sockets or run folder left
    assert not (smoke_copy / 'runs' / 'smoke' / '.lock').exists()
    time.sleep(1)
    alive = [p for p in Path('/proc').glob('[0-9]*/cmdline') if str(conn[0]) in p.read_bytes().decode(errors='replace')] if Path('/proc').exists() else []
    assert alive == [], 'the kernel outlived the runner'


def test_kernels_run_the_projects_own_package_and_only_the_study_part(tmp_path):
    "A second checkout sharing the virtualenv: its stages import its own tsresearch, run only the study part, and embed no plotly.js."
    from tsresearch.runner import run_study
    proj = _project(tmp_path, package=True)
    src = proj / 'nbs' / '01_ingest.ipynb'
    nb = nbformat.read(src, 4)
    nb.cells.append(nbformat.v4.new_code_cell('import tsresearch\nprint("PKG", tsresearch.__file__)'))
    nbformat.write(nb, src)
    res = run_study(proj / 'configs' / 'smoke.yaml', stages=['01_ingest'], progress=False)
    assert res[0]['ok'], res
    out = nbformat.read(proj / 'runs' / 'smoke' / '01_ingest.ipynb', 4)
    assert f"PKG {proj / 'tsresearch' / '__init__.py'}" in out.cells[-1].outputs[0].text
    code = [c.source for c in out.cells if c.cell_type == 'code']
    assert not any('def ingest_study' in s or 'test_fail' in s for s in code)      # no library definitions or their tests
    assert len(out.cells) < len(nb.cells) // 2
    page = (proj / 'reports' / 'smoke' / '01_ingest.html').read_text()
    assert '<script src="assets/plotly.min.js">' in page and (proj / 'reports' / 'smoke' / 'assets' / 'plotly.min.js').exists()
    assert 'Plotly.newPlot' in page and 'plotly.js v' not in page and 'plotly.js v' not in (proj / 'runs' / 'smoke' / '01_ingest.ipynb').read_text()


def test_rendered_stage_page_draws_its_figure_with_the_shared_plotly_js(tmp_path):
    "A stage page loads the one local plotly.js before nbconvert's require.js, and plotly draws the figure offline with no JavaScript error."
    browser = pytest.importorskip('test_reports_browser')
    if browser.CHROMIUM is None: pytest.skip('no Chromium binary')
    import plotly.graph_objects as go
    from tsresearch.reports import plotly_asset
    from tsresearch.runner import render_html
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Stage'), nbformat.v4.new_code_cell('x = 1', metadata={'tags': ['parameters']}),
                                         nbformat.v4.new_code_cell('fig', outputs=[nbformat.v4.new_output('display_data', {'application/vnd.plotly.v1+json': fig.to_plotly_json()})])])
    nbformat.write(nb, tmp_path / 'stage.ipynb')
    reports = tmp_path / 'reports'
    js = plotly_asset(reports)
    page = reports / 'fold_0' / 'stage.html'
    render_html(tmp_path / 'stage.ipynb', page, plotly_src=os.path.relpath(js, page.parent))
    dom, errors = browser.open_page(page, tmp_path)
    assert not errors, errors
    assert dom.count('class="main-svg"') >= 1


TOY_STAGE = """
from tsresearch.core import stage

@stage('toy_rows', needs=('labels', 'splits'), per_fold=True, notebook=NOTEBOOK)
def toy_rows(labels, splits, fold):
    "How many rows fold `fold` tests on, and of how many labelled rows."
    return {'fold': fold, 'test_rows': len(splits[fold].test), 'rows': len(labels)}
"""

def test_a_new_stage_is_one_declaration_and_a_notebook(smoke_copy, tmp_path, monkeypatch):
    "A toy stage declared in its own module joins the runner's plan with no other edit, runs per fold and resumes."
    from tsresearch.core import STAGES
    from tsresearch.runner import notebook_plan, run_study
    code = tmp_path / 'toy'
    code.mkdir()
    nb_path = code / 'toy_rows.ipynb'
    (code / 'toy_stage.py').write_text(TOY_STAGE.replace('NOTEBOOK', repr(str(nb_path))))
    params = nbformat.v4.new_code_cell("config_path = ''\nfold = 0", metadata={'tags': ['parameters']})
    body = nbformat.v4.new_code_cell("import toy_stage\nfrom tsresearch.core import Study\n"
                                     "print(Study.from_yaml(config_path).get('toy_rows', fold))")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Toy'), params, body]), nb_path)
    monkeypatch.setenv('PYTHONPATH', str(code))    # the kernels import the same module
    monkeypatch.syspath_prepend(str(code))
    import toy_stage  # noqa: F401  (declares the stage here too)
    try:
        plan = [n for n, _ in notebook_plan()]
        assert (str(nb_path), 'fold') in notebook_plan() and plan.index(str(nb_path)) > plan.index('04_splits'), plan
        cfg = smoke_copy / 'configs' / 'smoke.yaml'
        res = run_study(cfg, stages=[str(nb_path)], folds=[0], progress=False)
        assert [(r['stage'], r['fold'], r['ok']) for r in res] == [('toy_rows', 0, True)], res
        st = Study(load_config(cfg))
        got = st.get('toy_rows', 0)
        assert got['fold'] == 0 and got['test_rows'] == len(st.get('splits')[0].test) > 0
        assert st.manifest('toy_rows', 'toy_rows', 0)['inputs'].keys() == {'labels', 'splits', 'code'}
        assert (smoke_copy / 'reports' / 'smoke' / 'fold_0' / 'toy_rows.html').exists()
        again = run_study(cfg, stages=[str(nb_path)], folds=[0], resume=True, progress=False)
        assert again[0]['ok'] and again[0].get('skipped'), again
    finally:
        STAGES.pop('toy_rows', None)
        sys.modules.pop('toy_stage', None)
