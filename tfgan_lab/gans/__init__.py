"""The models, one module each; each registers itself with `@tfgan_lab.models.register(name)`.

Every module here is imported on the first registry lookup (tfgan_lab/models.py), so a new
model needs no line in this file. Shared pieces: conditional.py (the conditional family's
base), history_pool.py (CycleGAN's pool of past fakes).
"""
