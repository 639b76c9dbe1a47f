"""Open a study summary and a tearsheet in headless Chromium: the pages render plotly plots, offline, with no JavaScript error.

Needs a Chromium binary (Debian packages `chromium` and `chromium-driver`); skipped with a reason when there is none.
The pages come from `tests/fakes.py`'s `write_synthetic_artifacts`, artifacts of the stages' exact shapes.
"""
import os, re, shutil, subprocess
from pathlib import Path

import pytest

from tsresearch.core import Study, parse_config
from tsresearch.reports import write_fold_tearsheets, plotly_js_count, has_cdn_plotly
from tsresearch.summary import write_summary
from fakes import write_synthetic_artifacts

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-extensions', '--mute-audio']


def _chromium():
    for name in (os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome', '/usr/bin/chromium'):
        if name and (p := shutil.which(name)): return p
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason='no Chromium binary (install the Debian packages chromium and chromium-driver, or set CHROMIUM)')


def open_page(path: Path, tmp: Path) -> tuple[str, list[str]]:
    "The rendered DOM of a local page and the browser console lines that report errors."
    profile = tmp / f'profile-{path.stem}'
    r = subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={profile}', '--virtual-time-budget=8000', '--enable-logging=stderr', '--v=0',
                        '--dump-dom', path.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    console = [l for l in r.stderr.splitlines() if ':CONSOLE' in l]
    errors = [l for l in console if re.search(r'Uncaught|Error', l)]
    return r.stdout, errors


@pytest.fixture(scope='module')
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp('study')
    cfg = parse_config({'name': 'browser', 'data': {'datasets': ['a']}, 'labels': {'horizons': [1, 5]},
                        'splits': {'n_folds': 2, 'embargo_bars': 2}, 'report': {'max_points': 500, 'dir': f'{d}/reports'},
                        'runtime': {'runs_dir': f'{d}/runs'}}, root=str(d))
    study = Study(cfg)
    write_synthetic_artifacts(study, n_folds=2)
    sheets = write_fold_tearsheets(study, 0) + write_fold_tearsheets(study, 1)
    runs = [{'stage': '15_train', 'fold': 0, 'ok': True, 'seconds': 1.0},
            {'stage': '30_backtest', 'fold': 1, 'ok': False, 'cell': 4, 'error': 'ValueError: boom', 'seconds': 1.0}]
    index = write_summary(study, runs)
    return index, sheets, d


def test_pages_work_offline(pages):
    index, sheets, _ = pages
    assert plotly_js_count(index.read_text()) == 1                        # the summary embeds plotly.js
    sheet = sheets[0].read_text()                                          # tearsheets share one local copy
    assert plotly_js_count(sheet) == 0 and '<script src="../../assets/plotly.min.js">' in sheet
    assert (sheets[0].parent / '../../assets/plotly.min.js').resolve().exists()
    assert not has_cdn_plotly(index.read_text()) and not has_cdn_plotly(sheet)


def test_summary_renders_plot_without_js_error(pages):
    index, _, d = pages
    dom, errors = open_page(index, d)
    assert not errors, errors
    assert dom.count('class="main-svg"') >= 1          # plotly drew the correlation heatmap
    assert 'class="banner"' in dom and 'boom' in dom    # the failed stage is shown at the top
    assert 'href="fold_0/tearsheets/' in dom


def test_tearsheet_renders_six_plots_without_js_error(pages):
    _, sheets, d = pages
    sheet = next(p for p in sheets if p.name == 'lightgbm_h5.html')
    dom, errors = open_page(sheet, d)
    assert not errors, errors
    assert dom.count('class="plot-container plotly"') == 6
    assert dom.count('class="main-svg"') >= 6


def test_console_errors_are_caught(tmp_path):
    bad = tmp_path / 'bad.html'
    bad.write_text('<html><body><script>notDefined();</script></body></html>')
    _, errors = open_page(bad, tmp_path)
    assert errors and 'Uncaught' in errors[0]
