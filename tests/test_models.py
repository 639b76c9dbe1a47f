"""Every registered model passes the shared `check_model` harness (shapes, learning, save/load, determinism)."""
import pytest, torch
from tsresearch.models.base import load_models, check_model

MODELS = sorted(load_models())

def test_registry_has_the_issue_models():
    assert {'nhits', 'tft', 'patchtst', 'lightgbm', 'lstm', 'majority', 'last_label'} <= set(MODELS), MODELS

@pytest.mark.parametrize('name', MODELS)
def test_check_model(name):
    torch.set_num_threads(1)        # 2 threads on a busy 2-core machine are 30x slower, and one thread is deterministic
    res = check_model(name)
    assert res['model'] == name
