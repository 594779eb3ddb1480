"""Topics of headlines: discovery on the scoring embeddings, stable ids, c-TF-IDF terms, quality metrics.

Pure numpy/scikit-learn; the registry folder format is in ``store``.
"""

from lam_models.lazy_exports import lazy_exports

_EXPORTS = {
    "MODEL_NAME": "config",
    "OUTLIER": "config",
    "TopicConfig": "config",
    "ctfidf": "ctfidf",
    "topic_terms": "ctfidf",
    "IdMapping": "matching",
    "assign_ids": "matching",
    "match_centroids": "matching",
    "adjusted_mutual_info": "metrics",
    "npmi_coherence": "metrics",
    "outlier_share": "metrics",
    "topic_diversity": "metrics",
    "TopicModel": "model",
    "assign_topics": "model",
    "empty_model": "model",
    "fit": "model",
    "is_topicable": "text",
    "tokenize": "text",
    "topicable_mask": "text",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
