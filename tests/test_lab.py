"""JupyterLab on the workbook, as `make lab` starts it: a notebook page renders in headless Chromium with no JavaScript
error, and a stage notebook runs through the server's kernel API on a chosen study's fold.

The server listens on a free loopback port with a random token and is always shut down (its kernels first). The browser
part needs a Chromium binary (Debian packages `chromium` and `chromium-driver`) and is skipped with a reason without one.
"""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request, uuid
from pathlib import Path

import pytest

pytest.importorskip('jupyterlab', reason='jupyterlab is not installed (settings.ini lists it; `make install`)')
websocket = pytest.importorskip('websocket', reason='websocket-client (a jupyter_server dependency) is not installed')

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = str(Path(sys.executable).parent / 'jupyter')
sys.path.insert(0, str(Path(__file__).parent))
from test_reports_browser import CHROMIUM, FLAGS   # the project's one way of driving Chromium
from test_cli import SMALL, _session_csv, _study


def lab_flags() -> list[str]:
    "The flags `make lab` starts JupyterLab with (the Makefile's LAB_FLAGS)."
    m = re.search(r'^LAB_FLAGS := (.+)$', (ROOT / 'Makefile').read_text(), re.M)
    assert m, 'Makefile has no LAB_FLAGS'
    return m.group(1).split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Lab:
    "A JupyterLab server on 127.0.0.1 and the REST calls the tests make."
    def __init__(self, tmp: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f'http://127.0.0.1:{self.port}'
        env = {**os.environ, 'PYTHONPATH': str(ROOT), 'JUPYTER_CONFIG_DIR': str(tmp / 'config'),
               'JUPYTER_RUNTIME_DIR': str(tmp / 'runtime')}
        cmd = [JUPYTER, 'lab', *lab_flags(), f'--ServerApp.root_dir={ROOT}', f'--ServerApp.port={self.port}',
               '--ServerApp.port_retries=0', f'--IdentityProvider.token={self.token}', '--ServerApp.open_browser=False',
               f'--LabApp.workspaces_dir={tmp / "workspaces"}', f'--LabApp.user_settings_dir={tmp / "settings"}']
        if os.geteuid() == 0: cmd.append('--ServerApp.allow_root=True')   # CI containers run as root (as `make lab` allows)
        self.log = open(tmp / 'lab.log', 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)

    def api(self, path, method='GET', body=None):
        req = urllib.request.Request(f'{self.url}{path}', method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={'Authorization': f'token {self.token}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b'null')

    def wait_ready(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            assert self.proc.poll() is None, f'jupyter lab exited: {Path(self.log.name).read_text()[-2000:]}'
            try: return self.api('/api/status')
            except OSError: time.sleep(0.5)
        raise TimeoutError(f'jupyter lab did not answer in {seconds}s')

    def stop(self):
        "Shut the kernels down, then the server; kill whatever is left."
        try:
            for k in self.api('/api/kernels'): self.api(f"/api/kernels/{k['id']}", 'DELETE')
        except Exception: pass
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None: break
            try: os.killpg(self.proc.pid, sig)
            except ProcessLookupError: break
            try: self.proc.wait(wait)
            except subprocess.TimeoutExpired: pass
        self.log.close()


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp('lab'))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
    assert server.proc.poll() is not None                       # the server is gone


def test_lab_preselects_the_tsresearch_kernel(lab):
    specs = lab.api('/api/kernelspecs')
    assert 'tsresearch' in specs['kernelspecs'], f"no tsresearch kernel (make kernel): {list(specs['kernelspecs'])}"
    assert specs['default'] == 'tsresearch'


@pytest.mark.skipif(CHROMIUM is None, reason='no Chromium binary (install the Debian packages chromium and chromium-driver, or set CHROMIUM)')
def test_notebook_page_renders_without_js_error(lab, tmp_path):
    page = f'{lab.url}/lab/tree/nbs/04_splits.ipynb?token={lab.token}'
    r = subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={tmp_path / "profile"}', '--virtual-time-budget=15000',
                        '--enable-logging=stderr', '--v=0', '--dump-dom', page], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    errors = [l for l in r.stderr.splitlines() if ':CONSOLE' in l and re.search(r'Uncaught|Error', l)]
    assert not errors, errors
    dom = r.stdout
    assert 'jp-LabShell' in dom and 'jp-Notebook' in dom, dom[-2000:]         # Lab's shell with a notebook panel
    assert 'jp-RenderedMarkdown' in dom and 'Purged, embargoed walk-forward folds' in dom, 'the notebook is not rendered'


def execute(ws, session: str, code: str, timeout=300) -> list[dict]:
    "Run `code` on the kernel behind websocket `ws`; its iopub outputs (stream, result, display, error) in order."
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({'header': {'msg_id': msg_id, 'username': 'test', 'session': session, 'msg_type': 'execute_request',
                                   'version': '5.3'}, 'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
                        'content': {'code': code, 'silent': False, 'store_history': True, 'user_expressions': {},
                                    'allow_stdin': False, 'stop_on_error': True}}))
    outputs, deadline = [], time.time() + timeout
    while time.time() < deadline:
        msg = json.loads(ws.recv())
        if msg.get('parent_header', {}).get('msg_id') != msg_id or msg.get('channel') != 'iopub': continue
        kind = msg['msg_type']
        if kind in ('stream', 'execute_result', 'display_data', 'error'): outputs.append(msg)
        if kind == 'status' and msg['content']['execution_state'] == 'idle': return outputs
    raise TimeoutError(code[:200])


def study_part(nb_path: Path) -> tuple[list[str], int]:
    "The notebook's import cells, its module's names (the library from the package) and the code cells from `parameters` on."
    cells = json.loads(nb_path.read_text())['cells']
    module = re.search(r'default_exp (\S+)', ''.join(cells[0]['source'])).group(1)
    start = next(i for i, c in enumerate(cells) if 'parameters' in c['metadata'].get('tags', []))
    imports = [''.join(c['source']).replace('#| export', '').replace('#| hide', '') for c in cells[:start]
               if c['cell_type'] == 'code' and re.match(r'#\| (export|hide)\n(from|import) ', ''.join(c['source']))]
    code = [''.join(c['source']) for c in cells[start:] if c['cell_type'] == 'code']
    return [*imports, f'from tsresearch.{module} import *'] + code, len(imports) + 1


def test_stage_notebook_shows_a_chosen_fold_through_the_kernel_api(lab, tmp_path):
    "03_features opened in Lab, its parameters cell pointed at another study and fold 1 (as its comment says), runs clean."
    config = _study(tmp_path, _session_csv(sessions=6), SMALL)
    cells, params_at = study_part(ROOT / 'nbs' / '03_features.ipynb')
    assert cells[params_at].lstrip().startswith('#'), 'the parameters cell should say how to choose a study and fold'
    cells[params_at] += f'\nconfig_path = {str(config)!r}\nfold = 1\n'           # what a user types there
    s = lab.api('/api/sessions', 'POST', {'path': 'nbs/03_features.ipynb', 'type': 'notebook', 'name': '03_features.ipynb',
                                           'kernel': {'name': 'tsresearch'}})
    ws = websocket.create_connection(f"ws://127.0.0.1:{lab.port}/api/kernels/{s['kernel']['id']}/channels?token={lab.token}",
                                     timeout=300)
    try:
        outputs = [o for code in cells for o in execute(ws, s['id'], code)]
    finally:
        ws.close()
    errors = [f"{o['content']['ename']}: {o['content']['evalue']}" for o in outputs if o['msg_type'] == 'error']
    assert not errors, errors
    shown = json.dumps([o['content'] for o in outputs])
    assert 'fold 1' in shown and 'fold 0' not in shown                     # the chosen fold, and only it
    assert (tmp_path / 'runs' / 't' / 'features' / 'fold_1').is_dir()      # computed into the chosen study's own store
