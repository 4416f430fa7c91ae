"""Learning without forgetting: fine-tuning, joint training, Deep Generative Replay and Memory
Replay GANs over class-incremental task streams, replaying from exported SavedModels."""

from tfgan_lab.continual.config import base_config
from tfgan_lab.continual.methods import METHODS, Method
from tfgan_lab.continual.replay import Alignment, Replay
from tfgan_lab.continual.runner import run, summarize, task_export
from tfgan_lab.continual.solver import Solver, task_accuracies, train_solver
from tfgan_lab.continual.tasks import task_classes

__all__ = ["METHODS", "Alignment", "Method", "Replay", "Solver", "base_config", "run",
           "summarize", "task_accuracies", "task_classes", "task_export", "train_solver"]
