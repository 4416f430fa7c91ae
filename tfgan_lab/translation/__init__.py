"""Translation models: the shared-encoder translator, its decoding, unsupervised MT."""
