"""Prints PyTorch's learning rates under ReduceLROnPlateau for a loss sequence, as JSON.

usage: plateau_reference.py OUT.json
Two parameter groups start at 1e-3; at epoch 3 (0-based) both are set to 1e-4 / 5e-5, as the
seed does when it unfreezes; the scheduler steps once per epoch on the given losses.
"""
import json
import sys

import torch

LOSSES = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.90, 0.95, 0.96, 0.97, 0.97, 0.5, 0.6, 0.6, 0.6]
UNFREEZE_EPOCH = 3

a = torch.nn.Parameter(torch.zeros(1))
b = torch.nn.Parameter(torch.zeros(1))
opt = torch.optim.Adam([{"params": [a]}, {"params": [b]}], lr=1e-3)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2)
rates = []
for epoch, loss in enumerate(LOSSES):
    if epoch == UNFREEZE_EPOCH:
        opt.param_groups[0]["lr"] = 1e-4
        opt.param_groups[1]["lr"] = 5e-5
    sched.step(loss)
    rates.append([g["lr"] for g in opt.param_groups])
json.dump({"losses": LOSSES, "unfreeze_epoch": UNFREEZE_EPOCH, "rates": rates}, open(sys.argv[1], "w"))
