"""Fold chains as Ray tasks (`runtime.executor: ray`): the same bytes as the local executor, failures reported alike.

Ray starts on this machine with two CPUs (`ray.init(num_cpus=...)`), as on CI. The smoke study's study-level
artifacts (ingest, labels, splits) are made once (or copied from `runs/smoke` when `make test` made it) and shared by
two project folders; each then runs every fold notebook (features, windows, training, ensemble, backtest, reports) on
both folds, one with threads and one with Ray, so every fold-level artifact is made independently by each executor.
"""
import os, shutil, sys, tempfile, time
from pathlib import Path

import nbformat
import pytest

from tsresearch.core import Study, load_config
from tsresearch.runner import notebook_plan

# The identity test runs the smoke study's fold chains twice (about 3 min on 2 cores): `make test-scale` (in CI after
# `make test`) runs it with TSRESEARCH_SCALE=1, keeping `make test` within its 10 minutes.
SCALE = pytest.mark.skipif(not os.environ.get('TSRESEARCH_SCALE'), reason='scale-out: set TSRESEARCH_SCALE=1')

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / 'runs' / 'smoke'
sys.path.insert(0, str(Path(__file__).parent))
from test_runner import _project  # noqa: E402  (a second project folder with the smoke config and data)

STUDY_LEVEL = ('01_ingest', '02_labeling', '03a_tokens', '04_splits')


def _study_level_only(src: Path, names: list[str]) -> list[str]:
    "copytree's ignore: fold folders (executed notebooks and per-fold artifacts) and the stores only folds write."
    return [n for n in names if n.startswith('fold_') or n in ('.lock', 'models', 'ensemble', 'backtest', 'reports')]


@pytest.fixture(scope='module')
def study_level(tmp_path_factory) -> Path:
    "The smoke study's study-level store: copied from runs/smoke when every study-level notebook finished, else made."
    from tsresearch.runner import run_study
    proj = _project(tmp_path_factory.mktemp('base'))
    if all((SMOKE / f'{n}.done.json').exists() for n in STUDY_LEVEL):
        shutil.copytree(SMOKE, proj / 'runs' / 'smoke', ignore=_study_level_only)
    else:
        res = run_study(proj / 'configs' / 'smoke.yaml', stages=list(STUDY_LEVEL), progress=False)
        assert all(r['ok'] for r in res), res
    return proj / 'runs' / 'smoke'


def _fold_run(tmp_path, store: Path, name: str, executor: str):
    from tsresearch.runner import notebook_plan, run_study
    proj = _project(tmp_path / name)
    shutil.copytree(store, proj / 'runs' / 'smoke', ignore=_study_level_only)
    fold_notebooks = [n for n, phase in notebook_plan() if phase == 'fold']
    t0 = time.time()
    res = run_study(proj / 'configs' / 'smoke.yaml', stages=fold_notebooks, jobs=2, progress=False, executor=executor)
    return proj, res, time.time() - t0


def _outputs(proj: Path) -> dict[str, str]:
    "sha256 of every fold's predictions (each model, the ensemble) and backtest returns, each verified intact."
    st = Study(load_config(proj / 'configs' / 'smoke.yaml'))
    shas = {}
    for store in ('models', 'ensemble', 'backtest'):
        for fold in range(st.config.splits.fold_count):
            for name in st.artifacts(store, fold):
                if name.endswith('predictions') or name == 'returns':
                    shas[f'{store}/fold_{fold}/{name}'] = st.verify(store, name, fold)['sha256']
    return shas


@SCALE
def test_ray_executor_gives_the_local_bytes(study_level, tmp_path):
    "Both folds' chains as Ray tasks: every prediction and return series has the sha256 of the threads' run."
    local, local_res, local_s = _fold_run(tmp_path, study_level, 'local', 'local')
    ray_proj, ray_res, ray_s = _fold_run(tmp_path, study_level, 'ray', 'ray')
    failed = [(r['stage'], r['fold'], r.get('error')) for r in local_res + ray_res if not r['ok']]
    assert not failed, failed
    key = lambda res: [(r['stage'], r['fold']) for r in res]
    n_notebooks = len([n for n, phase in notebook_plan() if phase == 'fold'])
    assert key(ray_res) == key(local_res) and len(key(ray_res)) == 2 * n_notebooks   # every fold notebook, both folds
    workers = {r['worker'] for r in ray_res}
    assert len(workers) >= 1 and all(not w.endswith(f':{os.getpid()}') for w in workers)   # in Ray's workers, not here
    assert not any('worker' in r for r in local_res)
    expected = {f'{s}/fold_{k}/{n}' for k in (0, 1) for s, n in
                [('models', 'lstm_predictions'), ('models', 'lightgbm_predictions'),
                 ('ensemble', 'predictions'), ('backtest', 'returns')]}
    mine, theirs = _outputs(local), _outputs(ray_proj)
    assert expected <= set(mine), sorted(mine)
    differ = {k: (mine.get(k), theirs.get(k)) for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)}
    assert theirs == mine, differ
    for k in (0, 1):                                                      # every fold keeps its notebook and page
        assert (ray_proj / 'runs' / 'smoke' / f'fold_{k}' / '15_train.ipynb').exists()
        assert (ray_proj / 'reports' / 'smoke' / f'fold_{k}' / '15_train.html').exists()
        assert (ray_proj / 'runs' / 'smoke' / f'fold_{k}' / '40_reports.done.json').exists()
    print(f'local {local_s:.1f}s, ray {ray_s:.1f}s')


# ---- failures on a worker: a toy fold stage, no data needed ----

TOY_STAGE = """
from tsresearch.core import stage

@stage('toy_fold', per_fold=True, notebook=NOTEBOOK)
def toy_fold(fold):
    return {'fold': fold}
"""

TOY_CELL = """import os, signal, time, tsresearch
if fold == 0: raise ValueError(f'boom in fold {fold}')
if fold == 1:   # the kernel's parent is the Ray worker running the fold's task: both go
    os.kill(os.getppid(), signal.SIGKILL)
    os._exit(1)
if fold == 3: time.sleep(120)
print('fold', fold, 'done with', tsresearch.__file__)"""


@pytest.fixture
def toy(tmp_path, monkeypatch):
    "A four-fold copy of the smoke config and a one-cell fold notebook: fold 0 fails, 1 kills its worker, 3 sleeps."
    from tsresearch.core import STAGES
    proj = _project(tmp_path, package=True)                 # its own package: the workers and kernels import it
    cfg = proj / 'configs' / 'smoke.yaml'
    cfg.write_text(cfg.read_text().replace('n_folds: 2', 'n_folds: 4'))
    code = tmp_path / 'toy'
    code.mkdir()
    nb_path = code / 'toy_fold.ipynb'
    (code / 'toy_fold_stage.py').write_text(TOY_STAGE.replace('NOTEBOOK', repr(str(nb_path))))
    params = nbformat.v4.new_code_cell("config_path = ''\nfold = 0", metadata={'tags': ['parameters']})
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Toy'), params,
                                                   nbformat.v4.new_code_cell(TOY_CELL)]), nb_path)
    monkeypatch.syspath_prepend(str(code))
    tmp = tempfile.mkdtemp(prefix='tsr-test-', dir='/tmp' if os.path.isdir('/tmp') else None)   # short: Ray's sockets
    monkeypatch.setenv('TMPDIR', tmp)                         # the workers' and kernels' temporary files
    monkeypatch.setattr(tempfile, 'tempdir', tmp)             # this process's
    import toy_fold_stage  # noqa: F401  (declares the stage in the driver, for the plan)
    try:
        yield cfg, str(nb_path)
        left = [n for n in os.listdir(tmp) if not n.startswith('torchinductor_')]   # torch's compile cache aside
        assert left == [], left                               # no Ray session, kernel files or sockets left
    finally:
        STAGES.pop('toy_fold', None)
        sys.modules.pop('toy_fold_stage', None)
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_failing_fold_on_a_worker_is_reported_and_the_others_finish(toy):
    from tsresearch.runner import run_study
    cfg, nb = toy
    res = {r['fold']: r for r in run_study(cfg, stages=[nb], folds=[0, 1, 2], jobs=2, progress=False, executor='ray')}
    assert sorted(res) == [0, 1, 2]
    assert res[0]['stage'] == 'toy_fold' and not res[0]['ok'] and res[0]['error'] == 'ValueError: boom in fold 0'
    assert res[0]['cell'] is not None and res[0]['html'] == 'fold_0/toy_fold.html'   # as a local failure: cell, page
    assert res[1]['stage'] == 'toy_fold' and not res[1]['ok'], res[1]                 # the task died with its worker
    assert res[1]['error'].startswith(('WorkerCrashedError', 'RayTaskError', 'LocalRayletDiedError')), res[1]['error']
    assert res[2]['ok'] and res[2]['worker']
    out = nbformat.read(Path(cfg).parents[1] / 'runs' / 'smoke' / 'fold_2' / 'toy_fold.ipynb', 4)
    assert f"fold 2 done with {Path(cfg).parents[1] / 'tsresearch' / '__init__.py'}" in out.cells[-1].outputs[0].text
    local = {r['fold']: r for r in run_study(cfg, stages=[nb], folds=[0], progress=False)}
    here = {k: v for k, v in local[0].items() if k != 'seconds'}
    assert here == {k: v for k, v in res[0].items() if k not in ('seconds', 'worker')}


def test_fail_fast_cancels_the_other_folds(toy):
    "fold 0 fails at once; fold 3 (asleep for two minutes) is interrupted and reports nothing; the run ends in seconds."
    from tsresearch.runner import run_study
    cfg, nb = toy
    t0 = time.time()
    res = run_study(cfg, stages=[nb], folds=[0, 3], jobs=2, fail_fast=True, progress=False, executor='ray')
    assert time.time() - t0 < 90
    assert [(r['fold'], r['ok']) for r in res] == [(0, False)]
    assert not list((Path(cfg).parents[1] / 'runs' / 'smoke' / 'fold_3').glob('*.done.json'))


def test_cli_executor_and_address_reach_the_runner(tmp_path, monkeypatch):
    "`tsresearch run CONFIG --executor ray --address auto` runs the study with those, over the config's runtime."
    from tsresearch import cli, runner
    seen = {}
    monkeypatch.setattr(runner, 'run_study', lambda config, **kw: seen.update(kw) or [])
    cfg = _project(tmp_path) / 'configs' / 'smoke.yaml'
    assert cli.main(['run', str(cfg), '--executor', 'ray', '--address', 'auto']) == 0
    assert (seen['executor'], seen['address'], seen['jobs']) == ('ray', 'auto', 2)
    assert cli.main(['run', str(cfg)]) == 0 and (seen['executor'], seen['address']) == (None, None)   # the config's
