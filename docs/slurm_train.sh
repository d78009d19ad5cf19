#!/bin/bash
# A data-parallel fine-tuning on SLURM (docs/DISTRIBUTED.md): one task per node here, on the CPU
# (Gloo). For GPUs with a CUDA build, ask for one task per GPU (--ntasks-per-node=<GPUs>,
# --gpus-per-task=1) and add --device cuda: each rank takes cuda:SLURM_LOCALID.
#SBATCH --job-name=finetune
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --time=02:00:00
set -euo pipefail
# Every rank meets rank 0 on the first node of the job.
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export MASTER_PORT=${MASTER_PORT:-29500}
# Gloo binds where the hostname resolves; name the cluster network's interface if that is wrong.
# export GLOO_SOCKET_IFNAME=eth0
# The run folder must be on storage every node sees: rank 0 writes it, resume reads it.
RUN_DIR=${RUN_DIR:-$HOME/runs/slurm-$SLURM_JOB_ID}
srun finetune-cli train --data "$HOME/data/photos" --validation split --run-dir "$RUN_DIR" \
  --arch resnet50 --weights imagenet --input-size 224 --batch-size 64 --epochs 10 --freeze-epochs 2 \
  --threads "$SLURM_CPUS_PER_TASK" --dist-timeout 300
# Interrupted? The same script with `finetune-cli resume "$RUN_DIR" --dist-timeout 300` continues it.
