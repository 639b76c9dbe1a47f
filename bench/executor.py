"""Ray's overhead over the local executor: the smoke study run end to end with each, in fresh project folders.

Each run is `tsresearch run configs/smoke.yaml [--executor ray]` from scratch (a project folder with the smoke config
and a link to the data; nothing computed), so both pay the study-level stages, which run in the driver either way, and
the fold chains, threads (`runtime.jobs: 2`) or Ray tasks on a Ray started here with 2 CPUs. Prints wall seconds of
each, the ratio ray/local, the seconds the stage notebooks themselves took (from their resume markers), and whether
every fold's predictions and backtest returns have the same sha256 (they must).
--repeats alternates the order (local, ray, ray, local, ...) so a loaded machine biases neither; medians are printed.
Run: .venv/bin/python bench/executor.py [--repeats 1] [--config configs/smoke.yaml]
"""
import argparse, json, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / 'tsresearch')


def project(where: Path, config: Path) -> Path:
    "A fresh project folder: settings, the study config, the data (linked); runs/ and reports/ start empty."
    (where / 'configs').mkdir(parents=True)
    shutil.copy(ROOT / 'settings.ini', where)
    shutil.copy(config, where / 'configs')
    (where / 'data').symlink_to(ROOT / 'data')
    return where / 'configs' / config.name


def run(cfg: Path, executor: str) -> float:
    t0 = time.perf_counter()
    command = [EXE, 'run', str(cfg), '--executor', executor]
    r = subprocess.run(command, cwd=cfg.parents[1], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0: sys.exit(f'{executor} run failed ({r.returncode}):\n{r.stderr[-3000:]}')
    return seconds


def outputs(cfg: Path) -> dict[str, str]:
    "sha256 of every fold's predictions and backtest returns, from their manifests (each verified)."
    from tsresearch.core import Study, load_config
    st = Study(load_config(cfg))
    return {f'{s}/fold_{k}/{n}': st.verify(s, n, k)['sha256'] for s in ('models', 'ensemble', 'backtest')
            for k in range(st.config.splits.fold_count) for n in st.artifacts(s, k)
            if n.endswith('predictions') or n == 'returns'}


def stage_seconds(cfg: Path) -> tuple[float, float]:
    "Seconds the stage notebooks took (from their markers), study-level and fold-level: the rest is orchestration."
    runs = cfg.parents[1] / 'runs' / cfg.stem
    study = sum(json.loads(m.read_text())['seconds'] for m in runs.glob('*.done.json'))
    folds = sum(json.loads(m.read_text())['seconds'] for m in runs.glob('fold_*/*.done.json'))
    return study, folds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', default=str(ROOT / 'configs' / 'smoke.yaml'))
    ap.add_argument('--repeats', type=int, default=1)
    a = ap.parse_args()
    times = {'local': [], 'ray': []}
    with tempfile.TemporaryDirectory(prefix='tsr-bench-') as d:
        for i in range(a.repeats):
            order = ('local', 'ray') if i % 2 == 0 else ('ray', 'local')
            shas = {}
            for ex in order:
                cfg = project(Path(d) / f'{ex}{i}', Path(a.config))
                times[ex].append(run(cfg, ex))
                shas[ex] = outputs(cfg)
                study, folds = stage_seconds(cfg)
                print(f'run {i}: {ex:5s} {times[ex][-1]:6.1f} s wall; stage notebooks: study-level {study:.1f} s, '
                      f'fold-level {folds:.1f} s (both folds summed)', flush=True)
            same = shas['local'] == shas['ray'] and len(shas['local']) > 0
            print(f"run {i}: {len(shas['local'])} prediction/return artifacts, identical sha256: {same}", flush=True)
            if not same: sys.exit('the executors disagree')
    local, ray = statistics.median(times['local']), statistics.median(times['ray'])
    print(f'median wall seconds: local {local:.1f}, ray {ray:.1f}; ray/local = {ray / local:.2f} '
          f'(overhead {ray - local:+.1f} s)')


if __name__ == '__main__': main()
