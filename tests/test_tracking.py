"""MLflow tracking end to end (55_tracking): a study's folds x models logged into a real SQLite store, read back, and
logged once only. Needs the optional extra (`pip install "tsresearch[mlflow]"`); skips with that reason without it."""
import pytest

from fakes import write_synthetic_artifacts
from tsresearch.core import Study, parse_config
from tsresearch.tracking import fold_records, log_study, tracking_uri

mlflow = pytest.importorskip('mlflow', reason='the optional extra: pip install "tsresearch[mlflow]"')


def test_study_logged_once_into_sqlite(tmp_path):
    raw = {'name': 'tracked', 'data': {'datasets': ['synthetic']}, 'splits': {'n_folds': 2},
           'tracking': {'mlflow': True}, 'models': {'params': {'lightgbm': {'num_leaves': 7}}}}
    study = Study(parse_config(raw, root=tmp_path))
    write_synthetic_artifacts(study)
    page = study.reports_dir / 'fold_0' / 'tearsheets' / 'lightgbm_h5.html'
    page.parent.mkdir(parents=True)
    page.write_text('<html>tearsheet</html>')
    first = log_study(study)
    assert first['uri'] == f"sqlite:///{tmp_path}/runs/tracked/mlflow.db" == tracking_uri(study.config)
    assert (first['logged'], first['skipped']) == (4, 0)   # 2 folds x 2 models
    assert log_study(study) == {**first, 'logged': 0, 'skipped': 4}
    client = mlflow.MlflowClient(first['uri'])
    exp = client.get_experiment_by_name('tracked')
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    assert sorted(runs) == ['fold_0/lightgbm', 'fold_0/majority', 'fold_1/lightgbm', 'fold_1/majority']
    run = runs['fold_0/lightgbm']
    want = {r['name']: r for r in fold_records(study, 0)}['fold_0/lightgbm']
    assert run.data.params['params.num_leaves'] == '7'
    assert run.data.metrics['test.h5.accuracy'] == pytest.approx(want['metrics']['test.h5.accuracy'])
    assert run.data.metrics['backtest.h5.sharpe'] == pytest.approx(want['metrics']['backtest.h5.sharpe'])
    files = [f.path for f in client.list_artifacts(run.info.run_id, 'tearsheets')]
    assert files == ['tearsheets/lightgbm_h5.html']
    assert exp.artifact_location.startswith((tmp_path / 'runs' / 'tracked').as_uri())
