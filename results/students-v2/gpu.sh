#!/usr/bin/env bash
# The GPU session of 2026-12-02 (evening): the new hint student, its hints on the second
# hand-labelled set, and leaderboard v2 (issue 20), side by side on one GPU.
# Run from the repo root on the GPU machine after the model and wheels are in place:
#   bash results/students-v2/gpu.sh start     # starts training and the board in the background
#   bash results/students-v2/gpu.sh hints     # after training: hints of four systems
#   bash results/students-v2/gpu.sh wait N    # waits up to N s for the background jobs
set -u
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf
D=/root/data
R=/root/runs
L=/root/lb
CLI="python3 -m evaluation.cli"
export OMP_NUM_THREADS=1 LLM_PRUNE_GYM_CACHE=/root/cache/lpg
case "${1:-}" in
start)
  mkdir -p $D/grounded $R $L
  for f in train test; do gunzip -c .device/data/grounded/$f.jsonl.gz > $D/grounded/$f.jsonl; done
  # Convert the GGUF once, so the parallel jobs read the cached copy.
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  setsid nohup $CLI finetune --student $G --method sft --data $D/grounded --epochs 2 \
    --time-limit 7 --out $R/sft-v3 --no-progress --logging-steps 20 --save-steps 100000 \
    > $R/sft-v3.log 2>&1 &
  mkdir -p $R/old && tar xzf .device/old/ad-sft-grounded.tgz -C $R/old
  setsid nohup $CLI finetune-merge --student $G --adapters $R/old/round-1 --out $R/sft-old \
    > $R/merge-old.log 2>&1 &
  # Leaderboard v2: one process per (row, agent group), all into one folder.
  for row in "magnitude 0.2" "magnitude 0.3" "wanda 0.2" "wanda 0.3" "wanda 0.5"; do
    set -- $row
    for agents in surrogate,evolution,psrl,sensitivity a2c,sb3-ppo,sb3-a2c; do
      setsid nohup $CLI leaderboard --out $L --student $G --device cuda --criterion $1 \
        --targets $2 --agents $agents > $L-$1-$2-${agents%%,*}.log 2>&1 &
    done
  done
  sleep 2; ls $R $L ;;
hints)
  C=results/hint-labels-v2/cases.jsonl
  P=results/hint-labels/plan-evolution-seed0.json
  H=$R/hints-v2.jsonl
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H \
    --student base=$G --student sft-old=$R/sft-old 2>&1 | tail -3
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H \
    --student sft-v3=$R/sft-v3 --plan $P --level 10.3 2>&1 | tail -3 ;;
wait)
  end=$((SECONDS + ${2:-500}))
  while pgrep -f "evaluation.cli (finetune|leaderboard)" >/dev/null && [ $SECONDS -lt $end ]; do
    sleep 10
  done
  pgrep -af "evaluation.cli" | cut -c1-120
  grep -hE "train_runtime|eval_loss|Error" $R/*.log | tail -5 ;;
esac
