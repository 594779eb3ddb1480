"""Topics of headlines: discovery on the scoring embeddings, stable ids, c-TF-IDF terms, quality metrics.

Pure numpy/scikit-learn; the registry folder format is in ``store``.
"""

from lam_models.topics.config import MODEL_NAME, OUTLIER, TopicConfig
from lam_models.topics.ctfidf import ctfidf, topic_terms
from lam_models.topics.matching import IdMapping, assign_ids, match_centroids
from lam_models.topics.metrics import adjusted_mutual_info, npmi_coherence, outlier_share, topic_diversity
from lam_models.topics.model import TopicModel, assign_topics, empty_model, fit
from lam_models.topics.text import is_topicable, tokenize, topicable_mask

__all__ = [
    "MODEL_NAME",
    "OUTLIER",
    "IdMapping",
    "TopicConfig",
    "TopicModel",
    "adjusted_mutual_info",
    "assign_ids",
    "assign_topics",
    "ctfidf",
    "empty_model",
    "fit",
    "is_topicable",
    "match_centroids",
    "npmi_coherence",
    "outlier_share",
    "tokenize",
    "topic_diversity",
    "topic_terms",
    "topicable_mask",
]
