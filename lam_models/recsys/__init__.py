"""Hybrid recommendations: LightFM on interactions + transformer text features for cold items.

Flat API: ``fit_hybrid`` trains, ``HybridRecommender`` ranks (``recommend``, ``similar_items``,
``with_new_items``), ``save_model``/``load_model`` persist without pickle, and
``evaluate_recommenders`` runs every protocol x model on MovieLens (100k, ml-latest-small).
"""

from lam_models.lazy_exports import lazy_exports

_EXPORTS = {
    "fit_content": "baselines",
    "fit_popularity": "baselines",
    "pure_lightfm_config": "baselines",
    "RecsysConfig": "config",
    "CleanReport": "data",
    "EmptyInteractionsError": "data",
    "clean_interactions": "data",
    "evaluate_recommenders": "evaluate",
    "HybridRecommender": "hybrid",
    "load_model": "store",
    "save_model": "store",
    "fit_hybrid": "train",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
