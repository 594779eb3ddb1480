"""Hybrid recommendations: LightFM on interactions + transformer text features for cold items.

Flat API: ``fit_hybrid`` trains, ``HybridRecommender`` ranks (``recommend``, ``similar_items``,
``with_new_items``), ``save_model``/``load_model`` persist without pickle, and
``evaluate_recommenders`` runs every protocol x model on MovieLens (100k, ml-latest-small).
"""

from lam_models.recsys.baselines import fit_content, fit_popularity, pure_lightfm_config
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import CleanReport, EmptyInteractionsError, clean_interactions
from lam_models.recsys.evaluate import evaluate_recommenders
from lam_models.recsys.hybrid import HybridRecommender
from lam_models.recsys.store import load_model, save_model
from lam_models.recsys.train import fit_hybrid

__all__ = [
    "CleanReport", "EmptyInteractionsError", "HybridRecommender", "RecsysConfig", "clean_interactions",
    "evaluate_recommenders", "fit_content", "fit_hybrid", "fit_popularity", "load_model", "pure_lightfm_config", "save_model",
]  # fmt: skip
