"""60_tuning in a real process: a search killed mid-trial (SIGKILL) resumes from its journal file, reusing the
trials that finished instead of running them again."""
import os, signal, subprocess, sys, textwrap, time
from pathlib import Path

import optuna

from tsresearch.tuning import open_storage, run_trials, trial_counts, tuning_study

SEARCH = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from tsresearch.tuning import open_storage, run_trials, tuning_study
    def objective(trial):
        x = trial.suggest_float('x', -1, 1)
        time.sleep(0.3)
        return (x - 0.3) ** 2
    study = tuning_study(open_storage(None, Path(sys.argv[1])), 'killed', 'log_loss', 'tpe', 0, True)
    run_trials(study, objective, 40)
''')


def _load(journal: Path) -> optuna.Study:
    return optuna.load_study(study_name='killed', storage=open_storage(None, journal))


def test_a_killed_search_resumes_from_its_journal(tmp_path):
    journal = tmp_path / 'tuning' / 'journal.log'
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, '-c', SEARCH, str(journal)], env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if journal.exists() and trial_counts(_load(journal))['complete'] >= 4: break
            time.sleep(0.2)
        else: raise AssertionError('the search never finished 4 trials')
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _load(journal)
    done = {t.number: (t.params, t.value) for t in before.trials if t.state.name == 'COMPLETE'}
    finished = trial_counts(before)['n_trials_run']
    assert 4 <= finished < 40 and len(done) == finished      # killed mid-search: the rest never ran
    calls = []
    def objective(trial):
        calls.append(trial.number)
        return (trial.suggest_float('x', -1, 1) - 0.3) ** 2
    study = tuning_study(open_storage(None, journal), 'killed', 'log_loss', 'tpe', 0, True)
    assert run_trials(study, objective, finished + 3) == 3   # only the missing trials run
    assert len(calls) == 3 and min(calls) > max(done)        # new trial numbers, after the killed run's
    after = {t.number: (t.params, t.value) for t in study.trials if t.number in done}
    assert after == done                                     # the finished trials are the same records
    assert trial_counts(study)['n_trials_run'] == finished + 3   # a trial killed mid-run is not counted
