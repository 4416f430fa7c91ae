"""Learning without forgetting: fine-tuning, joint training, Deep Generative Replay and Memory
Replay GANs over class-incremental task streams, replaying from exported SavedModels."""

from tfgan_lab.continual.replay import Replay
from tfgan_lab.continual.runner import run, summarize
from tfgan_lab.continual.solver import Solver, task_accuracies, train_solver
from tfgan_lab.continual.tasks import select, task_classes

__all__ = ["Replay", "Solver", "run", "select", "summarize", "task_accuracies", "task_classes",
           "train_solver"]
