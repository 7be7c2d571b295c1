"""Arithmetic and the model: backends (float64, mpmath, arb balls), linear algebra, the loss and its
derivatives, instances, hyperparameters, simulators (full GD, the reduced recurrence), trajectories,
sharpness. Imports nothing else of bnverify."""
