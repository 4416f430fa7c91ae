"""Class-incremental task streams: the classes split in order into tasks of equal size."""

from tfgan_lab.errors import ConfigError


def task_classes(num_classes: int, classes_per_task: int,
                 num_tasks: int = 0) -> list[tuple[int, ...]]:
    """[(0, 1), (2, 3), ...]: task t holds classes [t * k, (t + 1) * k); the first `num_tasks`
    tasks only when it is > 0."""
    if num_classes % classes_per_task:
        raise ConfigError(f"config.continual.classes_per_task={classes_per_task} does not divide "
                          f"the {num_classes} classes into equal tasks: choose a divisor of "
                          f"{num_classes}.")
    tasks = [tuple(range(start, start + classes_per_task))
             for start in range(0, num_classes, classes_per_task)]
    if num_tasks > len(tasks):
        raise ConfigError(f"config.continual.num_tasks={num_tasks}, but {num_classes} classes in "
                          f"tasks of {classes_per_task} make {len(tasks)} tasks.")
    return tasks[:num_tasks] if num_tasks else tasks

