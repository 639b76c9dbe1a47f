"Model registry and models; see nbs/10_models.base.ipynb."
