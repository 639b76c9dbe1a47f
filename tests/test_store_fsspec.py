"""The Study store through fsspec URLs (`runtime.runs_dir: memory://...` or `file://...`),
as on a cluster's object store.

`Study.path/save/load/verify/state/get` go through `study.fs`; these tests check that nothing in them assumes a local
path: save and load, verification, damage found, and a stand-in stage computed, stored and read back by `study.get`.
"""
import uuid

import fsspec
import pandas as pd
import pytest

from tsresearch.core import ArtifactError, Stage, Study, parse_config


def _runs(kind: str, tmp_path) -> str:
    return f'memory://tsr-{uuid.uuid4().hex[:8]}/runs' if kind == 'memory' else f'file://{tmp_path}/runs'


def _study(runs: str, tmp_path, threshold: float = 0.5, calls=None) -> Study:
    "A study whose one stand-in stage doubles a toy frame per fold (counting its calls), stored under `runs`."
    def doubled(fold, config):
        calls.append(fold)
        return pd.DataFrame({'fold': [fold] * 3, 'x': [1.0, 2.0, 3.0]}) * 2 * (config.backtest.threshold > 0)
    cfg = parse_config({'name': 'fs', 'data': {'datasets': ['x']}, 'runtime': {'runs_dir': runs},
                        'backtest': {'threshold': threshold}}, root=tmp_path)
    return Study(cfg, stages={'doubled': Stage('doubled', doubled, config=('backtest',), per_fold=True)})


@pytest.mark.parametrize('kind', ['memory', 'file'])
def test_store_saves_loads_and_refuses_damage_through_fsspec(kind, tmp_path):
    st = _study(_runs(kind, tmp_path), tmp_path, calls=[])
    assert st.root.startswith(f'{kind}://') and type(st.fs).__name__ in ('MemoryFileSystem', 'LocalFileSystem')
    frame = pd.DataFrame({'a': [1, 2, 3]})
    man = st.save('toy', frame, 'frame', 0, config_keys=('backtest',))
    pd.testing.assert_frame_equal(st.load('toy', 'frame', 0), frame)
    assert st.load('toy', 'frame', 0) is not frame and st.verify('toy', 'frame', 0)['sha256'] == man['sha256']
    st.save('toy', {'k': [1, 2]}, 'meta')
    assert st.load('toy', 'meta') == {'k': [1, 2]} and st.artifacts('toy', 0) == ['frame']
    data = st.path('toy', 0, 'frame.parquet')
    assert fsspec.filesystem(kind).exists(data)                     # where the layout says, on that file system
    with st.fs.open(data, 'wb') as f: f.write(b'not parquet')       # damaged in place
    with pytest.raises(ArtifactError, match='content does not match its manifest'): st.load('toy', 'frame', 0)
    with pytest.raises(ArtifactError, match='content does not match its manifest'): st.verify('toy', 'frame', 0)
    with st.fs.open(st.path('toy', None, 'meta.manifest.json'), 'wb') as f: f.write(b'{half')
    with pytest.raises(ArtifactError, match='damaged manifest'): st.load('toy', 'meta')
    st.fs.rm(st.path('toy', 0, 'frame.parquet'))
    with pytest.raises(ArtifactError, match='manifest present but data file missing'): st.load('toy', 'frame', 0)
    assert not st.fs.glob(f"{st.path('toy', 0)}/.*.tmp")             # the atomic writes left no temporary file


@pytest.mark.parametrize('kind', ['memory', 'file'])
def test_study_get_computes_stores_and_reuses_through_fsspec(kind, tmp_path):
    runs, calls = _runs(kind, tmp_path), []
    st = _study(runs, tmp_path, calls=calls)
    assert st.state('doubled', 1)[0] is None and 'no artifact' in st.state('doubled', 1)[1]
    got = st.get('doubled', 1)
    assert calls == [1] and got['x'].tolist() == [2.0, 4.0, 6.0]
    h, why = st.state('doubled', 1)
    assert h is not None and why is None
    again = _study(runs, tmp_path, calls=calls)                      # another process on the same store
    pd.testing.assert_frame_equal(again.get('doubled', 1), got)
    assert calls == [1]                                              # read back, not computed again
    with again.fs.open(again.path('doubled', 1, 'doubled.parquet'), 'wb') as f: f.write(b'x')
    assert 'damaged' in again.state('doubled', 1)[1]
    pd.testing.assert_frame_equal(again.get('doubled', 1), got)      # damaged: computed again, to the same bytes
    assert calls == [1, 1]
    other = _study(runs, tmp_path, threshold=0.7, calls=calls)       # other settings: stale, recomputed
    assert 'stale' in other.state('doubled', 1)[1]
    other.get('doubled', 1)
    assert calls == [1, 1, 1]
